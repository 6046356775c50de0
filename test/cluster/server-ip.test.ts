import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, untilReady, type Spawned } from '../helpers/processes';
import { createCluster, FRONTEND_PORT, type Cluster } from './cluster-fixture';
import { makeClusterTrust } from './cluster-trust';
import { createNetwork, TEST_SUBNET } from './netns';

/**
 * `maestro server --ip <address on the server's veth>` as the cluster guide runs it, in a network
 * namespace of its own: a node worker in another namespace is given only the TEMPORAL_ADDRESS the
 * server printed, the orchestrator runs in a third and the operator starts the run from a fourth.
 * The pinned dev server cannot serve on one non-loopback address by itself (it dials its own
 * services on 127.0.0.1), so this is the route through `maestro server`'s forwarder.
 */

const HOSTS = ['server', 'cli', 'mac-studio', 'macpro51'];
const SERVER_IP = `${TEST_SUBNET}.1`;
let dir: string;
let cluster: Cluster;
let server: Spawned | undefined;
/** What `maestro server` printed after `export TEMPORAL_ADDRESS=`. */
let printed = '';

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'maestro-server-ip-'));
  // Every process of the cluster knows the server only by the printed address.
  cluster = createCluster({ address: `${SERVER_IP}:${FRONTEND_PORT}`, connectFlags: () => ['--address', printed], trust: makeClusterTrust(dir, ['macpro51']) }, createNetwork(HOSTS));
  const maestroBin = join(__dirname, '..', '..', 'bin', 'maestro.js');
  server = cluster.spawnIn('server', process.execPath, [maestroBin, 'server', '--ip', SERVER_IP, '--port', String(FRONTEND_PORT), '--db-file', join(dir, 'server.sqlite')]);
  await untilReady(server, 'maestro server to be ready', (p) => p.stdout().includes('Ctrl-C stops the server'), 90_000);
  printed = /export TEMPORAL_ADDRESS=(\S+)/.exec(server.stdout())?.[1] ?? '';
}, 150_000);

afterAll(async () => {
  // A clean stop first (the server's own Temporal child goes with it); teardown kills what is left.
  await server?.stop(20_000);
  await cluster?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function writePlan(): string {
  const planDir = join(dir, 'plan');
  rmSync(planDir, { recursive: true, force: true });
  mkdirSync(planDir, { recursive: true });
  // One line per run: the node the step ran for and the network namespace it ran in.
  writeFileSync(join(planDir, 'step.sh'), '#!/bin/sh\necho "$MAESTRO_RUN_ID $MAESTRO_NODE $(ip netns identify $$)" >> "$(dirname "$0")/ran-on"\n');
  chmodSync(join(planDir, 'step.sh'), 0o755);
  const file = join(planDir, 'plan.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: maestro/v1',
      'name: over-the-veth',
      'workdir: .',
      'nodes:',
      '  mac-studio: { os: linux, arch: x64, roles: [orchestrator] }',
      '  macpro51: { os: linux, arch: x64, roles: [docker] }',
      'services:',
      '  api:',
      '    node: macpro51',
      '    steps:',
      '      - { name: deploy, run: [sh, step.sh] }',
      '',
    ].join('\n'),
  );
  return planDir;
}

describe(`maestro server --ip ${SERVER_IP} in the server's namespace`, () => {
  it('prints the veth address as TEMPORAL_ADDRESS, and a node worker in another namespace given only that runs a step of a run started from a third', async () => {
    expect(printed).toBe(`${SERVER_IP}:${FRONTEND_PORT}`);
    await cluster.startOrchestrator();
    const node = await cluster.startNode('macpro51');
    expect(node.stderr()).toContain(printed);
    const planDir = writePlan();
    const runId = 'over-the-veth-1';
    // --require-nodes: the run starts only if the operator's namespace sees both workers polling.
    const run = await cluster.maestro(['run', join(planDir, 'plan.yaml'), '--id', runId, '--require-nodes', '--wait']);
    expect(`${run.code}\n${run.err}`).toMatch(/^0\n/);
    const status = await cluster.status(runId);
    expect(status.state).toBe('succeeded');
    expect(status.services.api!.steps).toMatchObject([{ name: 'deploy', state: 'succeeded', attempts: 1 }]);
    // The step ran once, on the node, in the node's namespace: not in the server's nor the CLI's.
    const ranOn = join(planDir, 'ran-on');
    expect(existsSync(ranOn)).toBe(true);
    expect(readFileSync(ranOn, 'utf8').trim().split('\n')).toEqual([`${runId} macpro51 ${cluster.net.hosts.macpro51!.netns}`]);
  }, 120_000);
});
