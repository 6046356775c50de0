/** Runs one synthetic plan on the bench cluster and measures it from the histories. */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { runCli } from '../client/main';
import { memoryOutput } from '../client/output';
import { awaitOutcome, type DeploymentHandle } from '../client/run/handle';
import { startDeployment } from '../client/start-run';
import { criticalPath } from '../plan/graph';
import type { NormalizedPlan } from '../plan/types';
import { serviceWorkflowId } from '../workflows/ids';
import { progressQuery } from '../workflows/messages';
import type { BenchCluster } from './bench-cluster';
import { childTiming, distribution, overheads, parentTiming, workflowTaskTimings, type ChildTiming, type Distribution, type OverheadBreakdown } from './history-metrics';
import { MemorySampler, cpuSeconds } from './proc-stats';
import type { BaselineResult } from './shell-baseline';
import { settleWithin } from './deadline';
import { floorMakespan, mirrorsFloor } from './floor';
import { mapLimit } from './stats';
import { syntheticPlan, type PlanShape } from './synthetic-plan';

export interface Scenario extends PlanShape {
  /** Short label shown in the table. */
  id: string;
  /** Why this row is here (which target or baseline it feeds). */
  purpose: string;
}

export interface ScenarioResult {
  scenario: Scenario;
  runId: string;
  state: string;
  totalSteps: number;
  /** Size of the plan as the parent workflow's input (JSON bytes). */
  planBytes: number;
  /** …and as stored, after the data converter's codecs (what the 2 MiB payload limit applies to). */
  planPayloadBytes: number;
  makespanMs: number;
  /** Critical path with each step costing the baseline's measured mean command time. */
  criticalPathMs: number;
  makespanOverCriticalPath: number;
  stepsPerSecond: number;
  overhead: OverheadBreakdown;
  baseline: BaselineResult;
  /** Makespan ÷ the sequential shell loop's time (< 1: faster than the loop). */
  makespanOverBaseline: number;
  /**
   * The same shape as the Temporal floor (floor/workflows.ts): bare child workflows and empty
   * activities. Only for no-op plans in `dag` mode without a cap, the ones it mirrors.
   */
  floorMs?: number;
  benchPeakRssMb?: number;
  serverPeakRssMb?: number;
  /** The command launcher the node workers start commands through (MAESTRO_COMMAND_LAUNCHER). */
  launcherPeakRssMb?: number;
  parentEvents: number;
  parentHistoryBytes?: number;
  parentWorkflowTasks: number;
  workflowTaskFailures: number;
  limitErrors: string[];
  /** Workflow tasks: queued (scheduled → started) and run (started → completed), parent and children. */
  workflowTasks: { parentQueued: Distribution; parentRun: Distribution; childQueued: Distribution; childRun: Distribution };
  /** Share of the makespan the parent spent inside its own workflow tasks (it runs one at a time). */
  parentBusy: number;
  /** CPU used during the run, in cores (1.0 = one core busy the whole makespan). */
  cpuCores: { bench?: number; server?: number; launcher?: number };
  /** The `progress` query after the run: a full replay of the parent on the worker. */
  progressQuery: { ms: number; bytes?: number; error?: string };
  /** Reading the closed run as the CLI does, from its final record (client/run/progress.ts). */
  closedRead: ClosedRead;
}

/** Milliseconds to read a closed run: `maestro status --json` and `maestro report --format json` (whole commands, connection included), and the read `run --wait` and `exec` do once the run has ended. */
export interface ClosedRead {
  statusMs: number;
  reportMs: number;
  outcomeMs: number;
  /** The final record's detail (`full` or `compact`), or `none`. */
  record: string;
  error?: string;
}

/** Times the CLI's reads of a closed run. */
async function measureClosedRead(address: string, handle: DeploymentHandle): Promise<ClosedRead> {
  const timed = async (args: string[]): Promise<number> => {
    const started = Date.now();
    const output = memoryOutput();
    const code = await runCli([...args, '--address', address], output);
    if (code !== 0) throw new Error(`maestro ${args.join(' ')}: exit ${code}: ${output.stderr.join(' ').slice(0, 200)}`);
    return Date.now() - started;
  };
  try {
    const statusMs = await timed(['status', handle.workflowId, '--json']);
    const reportMs = await timed(['report', handle.workflowId, '--format', 'json']);
    const started = Date.now();
    const outcome = await awaitOutcome(handle);
    return { statusMs, reportMs, outcomeMs: Date.now() - started, record: outcome.final?.detail ?? 'none' };
  } catch (err) {
    return { statusMs: NaN, reportMs: NaN, outcomeMs: NaN, record: 'none', error: (err as Error).message.slice(0, 200) };
  }
}

/** Queries the finished run's progress: its size, and how long a replay of the parent takes. */
async function measureProgressQuery(handle: { query: (q: typeof progressQuery) => Promise<unknown> }): Promise<ScenarioResult['progressQuery']> {
  const started = Date.now();
  try {
    const progress = await handle.query(progressQuery);
    return { ms: Date.now() - started, bytes: Buffer.byteLength(JSON.stringify(progress)) };
  } catch (err) {
    return { ms: Date.now() - started, error: (err as Error).message.slice(0, 200) };
  }
}

/** Bytes of `value` as stored by the server: after the client's payload converter and codecs (gzip, encryption). */
export async function encodedBytes(client: Client, value: unknown): Promise<number> {
  const { payloadConverter, payloadCodecs } = client.options.loadedDataConverter;
  let payloads = [payloadConverter.toPayload(value)];
  for (const codec of payloadCodecs) payloads = await codec.encode(payloads);
  return payloads.reduce((n, p) => n + temporal.api.common.v1.Payload.encode(p).finish().length, 0);
}

/** The critical path if each step took `stepMs` (the measured cost of its command). */
export function criticalPathAt(plan: NormalizedPlan, stepMs: number): number {
  const services = plan.services.map((s) => ({ ...s, steps: s.steps.map((step) => ({ ...step, estimateMs: stepMs })) }));
  return criticalPath({ services }).lengthMs;
}

export async function runScenario(cluster: BenchCluster, scenario: Scenario, baseline: (plan: NormalizedPlan) => Promise<BaselineResult>, timeoutMs: number): Promise<ScenarioResult> {
  const plan = syntheticPlan(scenario, cluster.workdir);
  const base = await baseline(plan);
  const runId = `bench-${scenario.id}-${randomUUID().slice(0, 8)}`;
  const { client } = cluster;
  const serverPid = cluster.server.process.pid ?? 'self';
  const launcherPid = cluster.launcherPid;
  const memory = new MemorySampler({ bench: 'self', server: serverPid, ...(launcherPid ? { launcher: launcherPid } : {}) });
  const cpuBefore = { bench: cpuSeconds('self'), server: cpuSeconds(serverPid), launcher: launcherPid ? cpuSeconds(launcherPid) : undefined, at: Date.now() };
  // Started as `maestro run` starts it: search attributes, UI summary, the lock.
  const { handle } = await startDeployment(client, plan, { id: runId, startedBy: 'bench', ...(cluster.signing ? { signing: cluster.signing } : {}) });
  // The wait is abortable, so a timed-out or failed bench leaves no long poll behind.
  const abort = new AbortController();
  // Every renewed long poll of a long run listens on the signal.
  setMaxListeners(0, abort.signal);
  const outcome = await settleWithin(Promise.race([client.withAbortSignal(abort.signal, () => awaitOutcome(handle)), cluster.workerFailure]), handle, scenario.id, timeoutMs).catch((err: unknown) => {
    abort.abort();
    memory.stop();
    throw err;
  });
  const peaks = memory.stop();
  const elapsed = (Date.now() - cpuBefore.at) / 1000;
  const cores = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : (after - before) / elapsed);
  const cpuCores = {
    bench: cores(cpuBefore.bench, cpuSeconds('self')),
    server: cores(cpuBefore.server, cpuSeconds(serverPid)),
    ...(launcherPid ? { launcher: cores(cpuBefore.launcher, cpuSeconds(launcherPid)) } : {}),
  };

  const parentHistory = await handle.fetchHistory();
  const parent = parentTiming(parentHistory);
  const parentTasks = workflowTaskTimings(parentHistory);
  const childTasks = { queued: [] as number[], run: [] as number[] };
  const description = await handle.describe();
  const progress = await measureProgressQuery(handle);
  const closedRead = await measureClosedRead(cluster.server.address, handle);
  const children = new Map<string, ChildTiming>();
  await mapLimit(plan.services, 16, async (s) => {
    const history = await client.workflow.getHandle(serviceWorkflowId(runId, s.name)).fetchHistory();
    children.set(s.name, childTiming(history));
    const tasks = workflowTaskTimings(history);
    childTasks.queued.push(...tasks.queued);
    childTasks.run.push(...tasks.run);
  });
  const floorMs = mirrorsFloor(scenario) ? await floorMakespan(client, plan, `${runId}-floor`, timeoutMs) : undefined;
  const deps = new Map(plan.services.map((s) => [s.name, s.dependsOn]));
  const totalSteps = plan.services.reduce((n, s) => n + s.steps.length, 0);
  const makespanMs = parent.closedAt - parent.startedAt;
  const criticalPathMs = criticalPathAt(plan, base.meanMs);
  return {
    scenario,
    runId,
    state: outcome.state,
    totalSteps,
    planBytes: Buffer.byteLength(JSON.stringify(plan)),
    planPayloadBytes: await encodedBytes(client, { runId, plan, startedBy: 'bench' }),
    makespanMs,
    criticalPathMs,
    makespanOverCriticalPath: makespanMs / criticalPathMs,
    stepsPerSecond: totalSteps / (makespanMs / 1000),
    overhead: overheads(parent, children, deps),
    baseline: base,
    makespanOverBaseline: makespanMs / base.totalMs,
    floorMs,
    benchPeakRssMb: peaks.bench,
    serverPeakRssMb: peaks.server,
    launcherPeakRssMb: peaks.launcher,
    parentEvents: parent.events,
    parentHistoryBytes: description.historySize,
    parentWorkflowTasks: parent.workflowTasks,
    workflowTaskFailures: parent.workflowTaskFailures + [...children.values()].reduce((n, c) => n + c.workflowTaskFailures, 0),
    limitErrors: parent.limitErrors,
    workflowTasks: {
      parentQueued: distribution(parentTasks.queued),
      parentRun: distribution(parentTasks.run),
      childQueued: distribution(childTasks.queued),
      childRun: distribution(childTasks.run),
    },
    parentBusy: parentTasks.run.reduce((a, b) => a + b, 0) / makespanMs,
    cpuCores,
    progressQuery: progress,
    closedRead,
  };
}
