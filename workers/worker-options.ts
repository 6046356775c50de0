import { parseDuration } from '../plan/durations';

/** Tuning knobs of the workers; every field has an environment variable so operators can tune without code. */
export interface WorkerTuning {
  /** Concurrent activities per node worker. Default `MAESTRO_NODE_SLOTS` or 8. */
  nodeActivitySlots: number;
  /** Concurrent workflow tasks on the orchestrator. Default `MAESTRO_WORKFLOW_SLOTS` or 40. */
  workflowTaskSlots: number;
  /** Workflow runs kept in the orchestrator's cache. Default `MAESTRO_WORKFLOW_CACHE` or 500. */
  maxCachedWorkflows: number;
  /**
   * How long one workflow activation may run before the SDK aborts it. Default
   * `MAESTRO_WORKFLOW_TIME_LIMIT` or 60s, not the SDK's 5 s: a query on a run that left the cache
   * replays the whole parent (2.6 s for 1,000 × 5 on an idle 2-core machine, over 5 s at load 15),
   * and a query cut off by this limit makes the SDK shut the whole orchestrator worker down
   * ("Malformed Workflow Completion", sdk-core#390) — seen in the bench under load.
   */
  workflowTimeLimitMs: number;
  /**
   * Node workers start commands through a small launcher process rather than forking themselves
   * (activities/launcher.ts). Default on; `MAESTRO_COMMAND_LAUNCHER=off` forks from the worker.
   */
  commandLauncher: boolean;
  /**
   * On SIGTERM/SIGINT, how long a node worker lets its running steps finish before cancelling them
   * (then their commands are killed and the steps retried elsewhere). Default `MAESTRO_SHUTDOWN_GRACE` or 5m.
   */
  shutdownGraceMs: number;
}

export const DEFAULT_WORKFLOW_TIME_LIMIT = '60s';

/** The default grace of a stopping node worker; installed units allow it plus a margin before SIGKILL. */
export const DEFAULT_SHUTDOWN_GRACE = '5m';

export function workerTuning(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const num = (value: string | undefined, fallback: number) => (value && Number(value) > 0 ? Number(value) : fallback);
  return {
    nodeActivitySlots: num(env.MAESTRO_NODE_SLOTS, 8),
    workflowTaskSlots: num(env.MAESTRO_WORKFLOW_SLOTS, 40),
    maxCachedWorkflows: num(env.MAESTRO_WORKFLOW_CACHE, 500),
    workflowTimeLimitMs: parseDuration(env.MAESTRO_WORKFLOW_TIME_LIMIT ?? '') ?? parseDuration(DEFAULT_WORKFLOW_TIME_LIMIT)!,
    commandLauncher: !/^(off|0|false|no)$/i.test(env.MAESTRO_COMMAND_LAUNCHER ?? ''),
    shutdownGraceMs: parseDuration(env.MAESTRO_SHUTDOWN_GRACE ?? '') ?? parseDuration(DEFAULT_SHUTDOWN_GRACE)!,
  };
}
