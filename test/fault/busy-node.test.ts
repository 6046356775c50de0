import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logLines, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { startDevServer, uniqueSuffix } from '../helpers/temporal-env';
import { waitFor } from '../helpers/wait-for';

// The shape, scaled down: 20 services pinned to one node with 8 step slots; each step
// holds its slot 3 s, so the last ones queue ~6 s, three times the 2 s nodeTimeout.
const SLOTS = 8;
const SERVICES = 20;
const STEP_SECONDS = 3;
const NODE_TIMEOUT_MS = 2_000;

const busy = uniqueSuffix('busy');
const stopped = uniqueSuffix('stopped');
const nodes = {
  [busy]: { os: 'linux', arch: 'x64', roles: ['busy'] },
  [stopped]: { os: 'linux', arch: 'x64', roles: ['stopped'] },
};

let env: TestWorkflowEnvironment;
let cluster: TestCluster;
const slotsBefore = process.env.MAESTRO_NODE_SLOTS;

beforeAll(async () => {
  process.env.MAESTRO_NODE_SLOTS = String(SLOTS);
  env = await startDevServer();
  cluster = await startCluster(env, { nodes: [busy, stopped] });
}, 120_000);

afterAll(async () => {
  await cluster?.shutdown();
  await env?.teardown();
  if (slotsBefore === undefined) delete process.env.MAESTRO_NODE_SLOTS;
  else process.env.MAESTRO_NODE_SLOTS = slotsBefore;
});

/** `SERVICES` services pinned to `node`, each one step that logs `<service> start|end <ms>` around a sleep. */
function pinnedPlan(name: string, node: string, log: string, onFailure: 'rollback' | 'continue') {
  const step = ['/bin/sh', '-c', `echo "$MAESTRO_SERVICE start $(date +%s%3N)" >> '${log}' && sleep ${STEP_SECONDS} && echo "$MAESTRO_SERVICE end $(date +%s%3N)" >> '${log}'`];
  const services = Object.fromEntries(Array.from({ length: SERVICES }, (_, i) => [`s${i}`, { node, steps: [{ name: 'work', run: step, undo: ['true'] }] }]));
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      nodes,
      strategy: { mode: 'dag', maxParallel: SERVICES, nodeTimeout: `${NODE_TIMEOUT_MS}ms`, onFailure },
      defaults: { retry: { maxAttempts: 1 } },
      services,
    }),
  );
}

type Event = { service: string; kind: 'start' | 'end'; at: number };
const events = (log: string): Event[] =>
  logLines(log).map((line) => {
    const [service, kind, at] = line.split(' ');
    return { service: service!, kind: kind as Event['kind'], at: Number(at) };
  });

/** Most steps running at one moment, from the start/end times the commands logged. */
function maxConcurrent(log: Event[]): number {
  let running = 0;
  let most = 0;
  for (const e of [...log].sort((a, b) => a.at - b.at || (a.kind === 'end' ? -1 : 1))) {
    running += e.kind === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

describe(`a node with ${SLOTS} slots and ${SERVICES} services pinned to it (nodeTimeout ${NODE_TIMEOUT_MS} ms)`, () => {
  it('is busy, not down: services queued longer than nodeTimeout wait for a slot and the run succeeds', async () => {
    const log = join(tempDir(), 'log');
    const { outcome, progress } = await (await startRun(env, pinnedPlan('busy-node', busy, log, 'rollback'))).finished();

    expect(outcome.state).toBe('succeeded');
    const starts = events(log).filter((e) => e.kind === 'start');
    // The shape held: never more than the slots at once, and the last service queued well past nodeTimeout.
    expect(maxConcurrent(events(log))).toBe(SLOTS);
    const queuedMs = Math.max(...starts.map((e) => e.at)) - Math.min(...starts.map((e) => e.at));
    expect(queuedMs).toBeGreaterThan(2 * NODE_TIMEOUT_MS);

    expect(starts.map((e) => e.service).sort()).toEqual(Object.keys(progress.services).sort());
    expect(starts).toHaveLength(SERVICES);
    for (const service of Object.values(progress.services)) expect(service).toMatchObject({ state: 'succeeded', node: busy, nodesDown: [] });
  }, 90_000);

  it('a node whose workers stop while services queue for its slots is still declared down', async () => {
    const log = join(tempDir(), 'log');
    const run = await startRun(env, pinnedPlan('stops-polling', stopped, log, 'continue'));
    await waitFor(`${SLOTS} steps running on ${stopped}`, () => events(log).filter((e) => e.kind === 'start').length >= SLOTS);
    // Running steps finish (the shutdown grace); nothing polls the node's queues any more.
    await cluster.stopNode(stopped);
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('failed');
    const started = new Set(events(log).filter((e) => e.kind === 'start').map((e) => e.service));
    const services = Object.values(progress.services);
    const down = services.filter((s) => s.state === 'failed');
    expect(down.length).toBe(SERVICES - started.size);
    expect(down.length).toBeGreaterThan(0);
    for (const s of down) {
      expect(s.nodesDown).toEqual([stopped]);
      expect(s.error).toContain(`no node left to run ${s.name}/work: ${stopped} down`);
    }
    for (const s of services.filter((s) => started.has(s.name))) expect(s.state).toBe('succeeded');
  }, 90_000);
});

describe('a busy orchestrator', () => {
  it("gives a workflow activation a minute, not the SDK's 5 s: a query replaying a big run under load must not stop the worker", () => {
    expect(cluster.workers.get('orchestrator')!.options.isolateExecutionTimeoutMs).toBe(60_000);
  });
});
