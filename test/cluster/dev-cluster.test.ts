import { join } from 'node:path';
import type { Spawned } from '../helpers/processes';
import { FRONTEND_PORT, waitForRunState, type Cluster } from './cluster-fixture';
import { signingEnv } from './cluster-trust';
import { startDevServerIn, type ServerProcess } from './dev-server-in-netns';
import { expectEveryStepOnce, expectRollbackInOrder, expectWaveOrder, waitForEvent, waitForHeartbeatTimeout } from './expectations';
import { startMigrationCluster, startRun as startMigrationRun, stopMigrationCluster, type MigrationCluster } from './migration-cluster';
import { APPROVER, GATE_WAVE, type MigrationPlan } from './migration-plan';
import { TEST_SUBNET } from './netns';

/**
 * The three-node cluster over network namespaces, on the dev server (SQLite file) the cluster
 * guide's `maestro server` runs: every piece a separate process in its own namespace, the
 * operator's CLI in a namespace of its own. Partitions are real (a veth unplugged on the switch).
 * Every run is signed by the operator's ssh-keygen key and verified by each node against its own
 * trust file (`--trust`); the gate's approval is signed too.
 */

const ADDRESS = `${TEST_SUBNET}.1:${FRONTEND_PORT}`;
let setUp: MigrationCluster | undefined;
let dir: string;
let cluster: Cluster;
let server: ServerProcess;
let plan: MigrationPlan;
const netnsOf = (node: string) => cluster.net.hosts[node]!.netns;

beforeAll(async () => {
  setUp = await startMigrationCluster({
    prefix: 'maestro-cluster-',
    address: ADDRESS,
    connectFlags: () => ['--address', ADDRESS],
    startServer: async (c, d) => void (server = await startDevServerIn(c, join(d, 'temporal.sqlite'))),
  });
  ({ dir, cluster, plan } = setUp);
}, 180_000);

afterAll(() => stopMigrationCluster(setUp, 'dev-cluster'));

beforeEach(() => plan?.clearControls());

const startRun = (runId: string, extra: string[] = []) => startMigrationRun(setUp!, runId, extra);

async function approveGate(runId: string): Promise<void> {
  await waitForRunState(cluster, runId, ['awaiting-approval']);
  const approved = await cluster.maestro(['approve', runId, '--as', APPROVER, '--wave', String(GATE_WAVE), '--comment', 'from the operator namespace']);
  expect({ code: approved.code, err: approved.err }).toEqual({ code: 0, err: '' });
}

describe('a migration across three node namespaces (dev server)', () => {
  it('survives a partition of a node mid-step: heartbeat timeout, retried on the node after healing, no successor twice', async () => {
    const runId = 'cm-partition';
    plan.holdStep('api.deploy', 30);
    await startRun(runId);
    const first = await waitForEvent(plan, runId, 'api/deploy started', (e) => e.service === 'api' && e.step === 'deploy' && e.kind === 'start');
    expect(first.netns).toBe(netnsOf('macpro51'));
    cluster.net.partition('macpro51');
    try {
      await waitForHeartbeatTimeout(cluster, `${runId}/api`);
    } finally {
      cluster.net.heal('macpro51');
    }
    await approveGate(runId);
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('succeeded');
    const events = plan.events(runId);
    expectEveryStepOnce(events, netnsOf, ['api.deploy']);
    expectWaveOrder(events);
    // The second attempt ran because the first was cut off, not because it failed.
    expect(events.filter((e) => e.service === 'api' && e.step === 'deploy' && e.kind === 'start').map((e) => e.attempt)).toEqual([1, 2]);
    const status = await cluster.status(runId);
    expect(status.services.api!.steps.find((s) => s.name === 'health')!.state).toBe('succeeded');
  }, 150_000);

  it('finishes a rollback whose undo was cut off by a partition, after healing, in reverse order', async () => {
    const runId = 'cm-rollback';
    plan.failStep('dns-cutover.switch');
    plan.holdStep('api.deploy.undo', 30);
    await startRun(runId, ['--auto-approve']);
    await waitForEvent(plan, runId, 'api/deploy undo started', (e) => e.service === 'api' && e.phase === 'undo' && e.kind === 'start');
    cluster.net.partition('macpro51');
    try {
      await waitForHeartbeatTimeout(cluster, `${runId}/api/undo`);
    } finally {
      cluster.net.heal('macpro51');
    }
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('rolled-back');
    expectRollbackInOrder(plan.events(runId), 3, ['api.deploy']);
  }, 150_000);

  it('loses nothing when the server is killed mid-run and restarted on the same data', async () => {
    const runId = 'cm-server-restart';
    plan.holdStep('search-index.reindex', 5);
    await startRun(runId, ['--auto-approve']);
    await waitForEvent(plan, runId, 'search-index/reindex started', (e) => e.service === 'search-index' && e.kind === 'start');
    await server.kill9();
    server = await startDevServerIn(cluster, join(dir, 'temporal.sqlite'));
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('succeeded');
    const events = plan.events(runId);
    expectEveryStepOnce(events, netnsOf, ['search-index.reindex']);
    expectWaveOrder(events);
  }, 150_000);

  it('keeps going when a node worker is stopped and started again, idle and mid-step', async () => {
    // Idle: a clean stop (exit 0), and a new worker polls the node again.
    const idle = cluster.nodeWorker('macbook-air')!;
    await idle.stop(30_000);
    expect((await idle.exited).code).toBe(0);
    await cluster.startNode('macbook-air');

    const runId = 'cm-worker-restart';
    plan.holdStep('worker-queue.deploy', 5);
    await startRun(runId, ['--auto-approve']);
    await waitForEvent(plan, runId, 'worker-queue/deploy started', (e) => e.service === 'worker-queue' && e.kind === 'start');
    const busy: Spawned = cluster.nodeWorker('macbook-air')!;
    await busy.stop(30_000);
    expect((await busy.exited).code).toBe(0);
    await cluster.startNode('macbook-air');
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('succeeded');
    // Drained or retried with the same key, as docs/guarantees.md says; the successors once.
    const events = plan.events(runId);
    expectEveryStepOnce(events, netnsOf, ['worker-queue.deploy']);
    expectWaveOrder(events);
  }, 150_000);

  it('runs nothing on any node for a run signed by a key the nodes do not trust, and says why', async () => {
    const runId = 'cm-untrusted';
    const { intruder, intruderTrust } = cluster.trust;
    // Claiming the approver's name changes nothing: the nodes know keys, not names.
    const started = await cluster.maestro(['run', plan.file, '--id', runId, '--as', APPROVER, '--auto-approve'], undefined, signingEnv(intruder, intruderTrust));
    expect({ code: started.code, err: started.err }).toEqual({ code: 0, err: started.code === 0 ? started.err : '' });
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('rolled-back');
    expect(plan.events(runId)).toEqual([]);
    const status = await cluster.status(runId);
    const first = status.services['postgres-primary']!.steps[0] as { state: string; attempts: number; error?: string };
    expect(first).toMatchObject({ state: 'failed', attempts: 1 });
    expect(first.error).toMatch(/refused: plan signer not trusted: key SHA256:\S+ is not in the trust file .*macpro51\/allowed_signers/);
  }, 150_000);
});
