import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { NodesReport } from '../../client/commands/nodes';
import { EXIT } from '../../client/exit-codes';
import { maestroVersion } from '../../workers/identity';
import { maestro } from '../helpers/cli';
import { STACK_FRAME } from '../helpers/plain-server';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, type Spawned, spawnMaestro, startServerProcessTracked, untilReady, workersPolling } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

// Nodes as they are, not only as a cluster file says: every node whose worker polls is listed
// with its host, real os/arch and version; a worker whose machine contradicts its node's
// declared os/arch is refused at start, flagged by `maestro nodes`, and a run that would route
// to it does not start; a node the plan needs with no worker is a warning, or with
// --require-nodes a refusal.

const real = { os: process.platform, arch: process.arch };
/** The other kind of machine: what the cluster file wrongly says `build` is. */
const other = { os: real.os === 'linux' ? 'darwin' : 'linux', arch: real.arch === 'x64' ? 'arm64' : 'x64' };
const dir = tempDir('maestro-nodes-');
const clusterFile = join(dir, 'maestro.cluster.yaml');
let address: string;
const workers: Spawned[] = [];

async function startWorker(...nodes: string[]): Promise<Spawned> {
  const node = nodes.join(', ');
  const worker = spawnMaestro(['worker', ...nodes.flatMap((n) => ['--node', n]), '--address', address]);
  workers.push(worker);
  await untilReady(worker, `worker ${node} to poll`, workersPolling, 60_000);
  return worker;
}

const nodesJson = async () => {
  const r = await maestro(address, 'nodes', '--cluster', clusterFile, '--json');
  return { code: r.code, report: JSON.parse(r.out) as NodesReport };
};

beforeAll(async () => {
  await ensureBuilt();
  const server = await startServerProcessTracked({ dbFile: join(dir, 'server.sqlite') });
  address = server.address;
  writeFileSync(clusterFile, `nodes:\n  build: { os: ${other.os}, arch: ${other.arch}, roles: [build] }\n  ghost: { os: ${real.os}, arch: ${real.arch}, roles: [spare] }\n  spare: { os: ${real.os}, arch: ${real.arch}, roles: [spare] }\n`);
  // Both started without the cluster file (none in the project root): one undeclared, one contradicting it.
  // edge-1 and edge-2 share a process, as `maestro dev` or `worker --node a --node b` run them.
  await Promise.all([startWorker('edge-1', 'edge-2'), startWorker('build')]);
}, 180_000);

afterAll(killSpawned);

describe('maestro nodes', () => {
  it('lists a node whose worker polls but that no cluster file declares, with host, os/arch and version', async () => {
    const { report } = await waitFor('edge-1 and edge-2 to show', async () => {
      const r = await nodesJson();
      return r.report.nodes.some((n) => n.node === 'edge-2') && r;
    }, 30_000, 250);
    expect(report.nodes.filter((n) => !n.declared).map((n) => n.node)).toEqual(['edge-1', 'edge-2']);
    const edge = report.nodes.find((n) => n.node === 'edge-1')!;
    expect(edge).toMatchObject({ declared: false, up: true, os: real.os, arch: real.arch, taskQueue: 'maestro-node-edge-1' });
    expect(edge.workers).toEqual([expect.objectContaining({ host: hostname(), os: real.os, arch: real.arch, version: maestroVersion(), live: true })]);
    expect(edge.lastSeenAgoMs).toBeLessThan(90_000);
    // Declared and silent: down, and the exit code says so.
    expect(report.down).toEqual(['ghost', 'spare']);
  });

  it('flags a worker whose real os/arch contradicts the cluster file, naming the node and both kinds (exit 1)', async () => {
    const { code, report } = await nodesJson();
    expect(code).toBe(EXIT.runFailed);
    expect(report.mismatched).toEqual(['build']);
    expect(report.nodes.find((n) => n.node === 'build')?.mismatch).toBe(
      `node build is declared ${other.os}/${other.arch} in ${clusterFile}, but its worker runs ${real.os}/${real.arch} on host ${hostname()}`,
    );
    const text = await maestro(address, 'nodes', '--cluster', clusterFile);
    expect(text.out).toMatch(/^build\s+MISMATCH\s/m);
    expect(text.out).toMatch(new RegExp(`^edge-1 \\(undeclared\\)\\s+up\\s+${real.os}/${real.arch}\\s+${hostname()}\\s`, 'm'));
    expect(text.out).toContain('mismatch: node build is declared');
  });
});

describe('maestro worker on a machine its cluster file contradicts', () => {
  it('refuses to start (exit 2), naming the node, the file and both kinds of machine', async () => {
    const w = spawnMaestro(['worker', '--node', 'build', '--cluster', clusterFile, '--address', address]);
    const { code } = await w.exited;
    expect(code).toBe(EXIT.invalidInput);
    expect(w.stderr()).toContain(`node build is declared ${other.os}/${other.arch} in ${clusterFile}, but this machine is ${real.os}/${real.arch}: not starting its worker`);
    expect(w.stderr() + w.stdout()).not.toMatch(STACK_FRAME);
  }, 60_000);

  it('starts where the declaration is true (spare is this kind of machine)', async () => {
    const w = spawnMaestro(['worker', '--node', 'spare', '--cluster', clusterFile, '--address', address]);
    await waitFor('spare to poll', () => w.stderr().includes('"msg":"workers polling"') || w.child.exitCode !== null, 60_000);
    expect(w.child.exitCode).toBeNull();
    await w.stop();
  }, 60_000);
});

describe('maestro run checks the nodes first', () => {
  const plan = (name: string, service: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `apiVersion: maestro/v1\nname: ${name}\nstrategy: { nodeTimeout: 2s }\nservices:\n  api:\n    ${service}\n    steps:\n      - { name: hello, run: [echo, hi] }\n`);
    return file;
  };

  it('a step that requires the declared arch never starts on a worker of another arch: the run is refused (exit 3)', async () => {
    const r = await maestro(address, 'run', plan('wrong-arch', `requires: { arch: ${other.arch} }`), '--cluster', clusterFile);
    expect(r.code).toBe(EXIT.refused);
    expect(r.err).toContain(`node build is declared ${other.os}/${other.arch} in ${clusterFile}, but its worker runs ${real.os}/${real.arch}`);
    expect((await maestro(address, 'status', 'wrong-arch')).code).toBe(EXIT.invalidInput);
  });

  it('a pinned node without a worker is a warning naming the command that starts it; the run starts', async () => {
    const r = await maestro(address, 'run', plan('warned', 'node: ghost'), '--cluster', clusterFile);
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain(`warning: no worker polls node ghost (service api is pinned to it); start it on that machine with: maestro worker --node ghost --address ${address}`);
    expect(r.err).toContain(`warning: no orchestrator worker polls (it runs the workflows); start one with: maestro worker --orchestrator --address ${address}`);
  });

  it('with --require-nodes the same run is refused (exit 3) and nothing starts', async () => {
    const r = await maestro(address, 'run', plan('required', 'node: ghost'), '--cluster', clusterFile, '--require-nodes');
    expect(r.code).toBe(EXIT.refused);
    expect(r.err).toContain('not starting (--require-nodes): ');
    expect(r.err).toContain(`maestro worker --node ghost --address ${address}`);
    expect((await maestro(address, 'status', 'required')).code).toBe(EXIT.invalidInput);
  });
});
