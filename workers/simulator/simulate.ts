import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { stepKey, type DurationModel, type Percentile } from '../../plan/step-durations';
import { routeServices } from '../../plan/routing';
import { ORCHESTRATOR_TASK_QUEUE, nodeTaskQueue } from '../../plan/task-queues';
import type { NormalizedPlan } from '../../plan/types';
import type { deploymentWorkflow } from '../../workflows/deployment';
import { progressQuery } from '../../workflows/messages';
import { RUN_NOT_SUCCEEDED, type RunOutcome, type RunProgress } from '../../workflows/progress';
import { resolveTemporalBinary } from '../temporal-binaries';
import { cachedWorkflowBundle } from './bundle-cache';
import { ModelClock } from './model-clock';
import { createStandInActivities, type InjectedFailure, type SimulatedActivity } from './stand-ins';

export type { InjectedFailure, SimulatedActivity } from './stand-ins';

export interface SimulationOptions {
  plan: NormalizedPlan;
  model: DurationModel;
  /** Which durations to run with; one simulated run each, in this order. */
  percentiles: readonly Percentile[];
  failures?: readonly InjectedFailure[];
  /** Gates are approved this long after they open. Default: at once. */
  approveAfterMs?: number;
  /** What Maestro itself adds to a run; default `DEFAULT_OVERHEADS`. */
  overheads?: Overheads;
  /** A prebuilt workflow bundle (tests build it once). Default: bundle the production workflows. */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

/** One simulated run: what the production workflows did with stand-in steps. */
export interface SimulatedRun {
  percentile: Percentile;
  outcome: RunOutcome;
  progress: RunProgress;
  /** Server time the run started (ms since the epoch); activity times are on the same clock. */
  startMs: number;
  makespanMs: number;
  activities: SimulatedActivity[];
}

/**
 * What Maestro adds to a real run beyond the steps' own durations, which the simulation adds to
 * its stand-in steps (its own wall time is left out, see ModelClock).
 */
export interface Overheads {
  /** What a service takes beyond its steps, from when it may start to when the run knows it ended (child start, workflow tasks). */
  serviceStartMs: number;
  /** Dispatching a step to its node and its result back; already inside a learned duration. */
  stepDispatchMs: number;
  /** From the last service's end to the run's (the rollback check, the final state). */
  runEndMs: number;
}

/** Measured by the bench on an idle machine (bench/RESULTS.md: 1-second steps run at ~1.08× the critical path). */
export const DEFAULT_OVERHEADS: Overheads = { serviceStartMs: 100, stepDispatchMs: 40, runEndMs: 20 };

/** Who started the simulated runs (and approves their gates). */
export const SIMULATION_ACTOR = 'simulate';

/** What one simulation of a started simulator runs with (see SimulationOptions). */
export type SimulationRunOptions = Omit<SimulationOptions, 'plan' | 'workflowBundle'>;

/** The time-skipping server and warmed-up workers for one plan, ready to simulate it. */
export interface Simulator {
  /** One simulated run per percentile, one after the other. */
  run(options: SimulationRunOptions): Promise<SimulatedRun[]>;
  /** Stops the workers and the server. */
  close(): Promise<void>;
}

/**
 * Runs the plan on the Java time-skipping test server: the production workflow bundle on an
 * orchestrator worker, a stand-in node worker per node, every step taking its expected duration
 * of server time. A run of hours takes seconds; nothing runs on any machine.
 */
export async function simulate(options: SimulationOptions): Promise<SimulatedRun[]> {
  const simulator = await startSimulator(options.plan, { workflowBundle: options.workflowBundle });
  try {
    return await simulator.run(options);
  } finally {
    await simulator.close();
  }
}

/**
 * Starts the server and workers for `plan` and warms them up; nothing about durations is needed
 * yet, so the caller can learn them (a server round trip) while this starts.
 */
export async function startSimulator(plan: NormalizedPlan, options: { workflowBundle?: WorkflowBundleWithSourceMap } = {}): Promise<Simulator> {
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: resolveTemporalBinary('testServer') } } }),
    options.workflowBundle ?? cachedWorkflowBundle(),
  ]);
  // What the stand-ins read: the run being simulated now.
  let current: { percentile: Percentile; activities: SimulatedActivity[]; model: DurationModel; failures: readonly InjectedFailure[]; overheads: Overheads } = {
    percentile: 'p50',
    activities: [],
    model: new Map(),
    failures: [],
    overheads: DEFAULT_OVERHEADS,
  };
  const firstSteps = new Set(plan.services.flatMap((s) => (s.steps[0] ? [stepKey(s.name, s.steps[0].name)] : [])));
  const durationMs = (service: string, step: string, phase: 'do' | 'undo') => {
    const key = stepKey(service, step);
    const d = current.model.get(key);
    if (!d) return 0;
    const own = current.percentile === 'p50' ? d.p50Ms : d.p90Ms;
    if (phase === 'undo') return own;
    return own + (d.source === 'plan' ? current.overheads.stepDispatchMs : 0) + (firstSteps.has(key) ? current.overheads.serviceStartMs : 0);
  };
  let workers: Worker[] = [];
  let running: Promise<void>[] = [];
  const close = async () => {
    try {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
    } finally {
      await env.teardown();
    }
  };
  try {
    const routed = new Set(Object.values(routeServices(plan)).flat());
    const nodes = plan.nodes.map((n) => n.name).filter((n) => routed.has(n));
    // Created together: the orchestrator's (it loads the bundle into its workflow threads) takes longest.
    workers = await Promise.all([
      Worker.create({ connection: env.nativeConnection, taskQueue: ORCHESTRATOR_TASK_QUEUE, workflowBundle: bundle, maxCachedWorkflows: 2_000 }),
      ...nodes.map((node) =>
        Worker.create({
          connection: env.nativeConnection,
          taskQueue: nodeTaskQueue(node),
          activities: createStandInActivities({ env, node, durationMs, failures: () => current.failures, record: (a) => current.activities.push(a) }),
          // Every service of a wave may run on one node: slots must not be what limits the run.
          maxConcurrentActivityTaskExecutions: 1_000,
        }),
      ),
    ]);
    running = workers.map((w) => w.run());
    // The first workflow and activity tasks of fresh workers are slow in wall time, and wall
    // time passes on the server's clock too: a zero-length run of one service per node first.
    const warmUp = warmUpPlan(plan, nodes);
    await runOnce(env, warmUp, simulationRunId(warmUp, 'warm-up'));
  } catch (err) {
    await close();
    throw err;
  }
  let runs = 0;
  return {
    close,
    async run(options: SimulationRunOptions): Promise<SimulatedRun[]> {
      const overheads = options.overheads ?? DEFAULT_OVERHEADS;
      const simulated: SimulatedRun[] = [];
      // One after the other: side by side, each run's workflow tasks would hold the shared clock
      // while the other's steps wait to skip, and the prediction would come out shorter.
      for (const percentile of options.percentiles) {
        current = { percentile, activities: [], model: options.model, failures: options.failures ?? [], overheads };
        const clock = new ModelClock(env);
        await clock.start();
        const result = await runOnce(env, plan, simulationRunId(plan, `${++runs}`), options.approveAfterMs).finally(() => clock.stop());
        // Every time in simulated time: what the steps and timers took, not what the simulation did.
        const at = (ms: number) => clock.modelMs(ms);
        const progress = progressInModelTime(result.progress, at);
        const startMs = Date.parse(progress.startedAt);
        const makespanMs = Date.parse(progress.endedAt ?? progress.startedAt) - startMs + overheads.runEndMs;
        const activities = current.activities.map((a) => ({ ...a, startMs: at(a.startMs), endMs: at(a.endMs) })).sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
        simulated.push({ percentile, outcome: result.outcome, progress, startMs, makespanMs, activities });
      }
      return simulated;
    },
  };
}

/** The progress with every timestamp moved to simulated time (ms since the epoch, as `at` says). */
function progressInModelTime(progress: RunProgress, at: (serverMs: number) => number): RunProgress {
  const iso = (text: string | undefined) => (text === undefined ? undefined : new Date(at(Date.parse(text))).toISOString());
  const copy = structuredClone(progress);
  copy.startedAt = iso(copy.startedAt)!;
  copy.endedAt = iso(copy.endedAt);
  for (const s of Object.values(copy.services)) {
    s.startedAt = iso(s.startedAt);
    s.endedAt = iso(s.endedAt);
    for (const st of s.steps) {
      st.startedAt = iso(st.startedAt);
      st.endedAt = iso(st.endedAt);
    }
  }
  for (const g of copy.gates) {
    g.openedAt = iso(g.openedAt);
    g.decidedAt = iso(g.decidedAt);
    g.deadline = iso(g.deadline);
  }
  return copy;
}

/** One service per node, one step each, no gates: every worker gets its first tasks. */
function warmUpPlan(plan: NormalizedPlan, nodes: readonly string[]): NormalizedPlan {
  const step = plan.services.flatMap((s) => s.steps).find((s) => s.kind === 'run');
  const services = step ? nodes.map((node) => ({ name: `warm-up-${node}`, dependsOn: [], node, steps: [step] })) : [];
  return { ...plan, name: `${plan.name}-warm-up`, approvals: { ...plan.approvals, gates: [] }, services };
}

function simulationRunId(plan: NormalizedPlan, suffix: string): string {
  return `simulate-${plan.name}-${suffix}`;
}

async function runOnce(env: TestWorkflowEnvironment, planWithNotify: NormalizedPlan, runId: string, approveAfterMs?: number): Promise<{ outcome: RunOutcome; progress: RunProgress }> {
  // A prediction tells nobody: its webhooks are left out, so no notification child is started.
  const { notify: _quiet, ...plan } = planWithNotify;
  const handle = await env.client.workflow.start<typeof deploymentWorkflow>('deploymentWorkflow', {
    workflowId: runId,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    args: [{ runId, plan, startedBy: SIMULATION_ACTOR, autoApprove: true, autoApproveAfterMs: approveAfterMs }],
  });
  const outcome = await handle.result().catch((err: unknown) => {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === RUN_NOT_SUCCEEDED) return err.cause.details?.[0] as RunOutcome;
    throw err;
  });
  return { outcome, progress: await handle.query(progressQuery) };
}
