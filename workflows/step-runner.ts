import { ActivityCancellationType, ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { MaestroActivities } from '../activities';
import { FAILURE_TYPES } from '../activities/failure-types';
import type { NodeLivenessActivities } from '../activities/node-alive';
import { nodeLivenessTaskQueue, nodeTaskQueue } from '../plan/task-queues';
import type { SignedService } from '../plan/signed-plan';
import type { CommandSpec, EnvValue, RetrySpec, StepSpec } from '../plan/types';
import { moveStep } from '../plan/states';
import { idempotencyKey, legacyUndoKey } from './ids';
import { PATCHES } from './patches';
import type { StepProgress } from './progress';

/** A dead worker is noticed within this, not at the step's timeout; activities heartbeat every ~2s. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;
/** How long a node's liveness worker has to answer once it took the question. */
const LIVENESS_ANSWER_MS = 10_000;
/** Room for a check's last probe and the round trip beyond its own timeout. */
const CHECK_MARGIN_MS = 10_000;
/**
 * The command's own timeout kills its process group (TERM, a 5 s grace, KILL) and reports
 * CommandTimedOut; Temporal's timeout sits beyond that so it never wins the race.
 */
const COMMAND_MARGIN_MS = 10_000;

const NON_RETRYABLE = [FAILURE_TYPES.commandNotFound, FAILURE_TYPES.missingSecret, FAILURE_TYPES.invalidStep];

export interface StepRunContext {
  runId: string;
  plan: string;
  service: string;
  /**
   * Set only in undo children whose run started before identity keys (patch identity-idempotency-keys):
   * their undo keys were rooted at the undo child's own workflow id, and stay so.
   */
  legacyUndoRoot?: string;
  nodeTimeoutMs: number;
  /** Every `fromEnv` variable of the plan (`secretEnvNames`), redacted from every step's output. */
  runSecretEnv?: string[];
  /** Handed to every step of a signed run; the node takes the command from it. */
  signed?: SignedService;
}

/** Only when there are any, so the activity inputs of plans without secrets stay as they were. */
function secretsOf(ctx: StepRunContext): { runSecretEnv?: string[] } {
  return ctx.runSecretEnv?.length ? { runSecretEnv: ctx.runSecretEnv } : {};
}

/** Why a step failed: `nodeDown` when no worker of the node took the task within nodeTimeout. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly nodeDown: boolean,
    readonly outputTail?: string,
    /** The activity's ApplicationFailure type, when it raised one. */
    readonly type?: string,
    /** What a metric check's last query returned. */
    readonly values?: number[],
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

function activities(node: string, ctx: StepRunContext, options: { timeoutMs: number; retry: RetrySpec; summary: string; activityId: string }) {
  return proxyActivities<MaestroActivities>({
    taskQueue: nodeTaskQueue(node),
    activityId: options.activityId,
    startToCloseTimeout: options.timeoutMs,
    // Node-down detection: never retried by the server; the caller re-routes.
    scheduleToStartTimeout: ctx.nodeTimeoutMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    // Undo only once the command is really gone (its process group killed).
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: options.retry.maxAttempts,
      initialInterval: options.retry.initialIntervalMs,
      backoffCoefficient: options.retry.backoff,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
    summary: options.summary,
  });
}

/** Runs one step on `node`; updates `progress` as it goes; throws StepFailure. */
export async function runStepOnNode(step: StepSpec, node: string, ctx: StepRunContext, progress: StepProgress): Promise<void> {
  progress.node = node;
  moveStep(progress, 'running');
  progress.startedAt ??= new Date(Date.now()).toISOString();
  const summary = `${ctx.service}/${step.name} @ ${node}`;
  const common = { activityId: `${step.name}@${node}`, retry: step.retry, summary };
  const context = { plan: ctx.plan, runId: ctx.runId, service: ctx.service, step: step.name, phase: 'do' as const, idempotencyKey: idempotencyKey({ runId: ctx.runId, service: ctx.service, step: step.name, phase: 'do' }), ...secretsOf(ctx) };
  try {
    switch (step.kind) {
      case 'wait':
        await sleep(step.waitMs, { summary: `${ctx.service}/${step.name}: wait` });
        break;
      case 'check': {
        if (step.check.kind === 'prometheus') progress.query = step.check.prometheus.query;
        const result = await whileNodeBusy(node, ctx, progress, () => activities(node, ctx, { ...common, timeoutMs: step.check.timeoutMs + CHECK_MARGIN_MS }).runCheck({ check: step.check, context, ...signedArg(ctx) }));
        progress.lastLine = result.lastObservation;
        if (result.values) progress.lastValues = result.values;
        progress.attempts = result.attempt;
        break;
      }
      case 'run': {
        const result = await whileNodeBusy(node, ctx, progress, () =>
          activities(node, ctx, { ...common, timeoutMs: step.timeoutMs + COMMAND_MARGIN_MS }).runCommand({ command: step.run, cwd: step.cwd, env: step.env, timeoutMs: step.timeoutMs, context, ...signedArg(ctx) }),
        );
        progress.lastLine = result.lastLine;
        progress.attempts = result.attempt;
        break;
      }
      default:
        // A plan from a newer Maestro: nothing here knows how to run it.
        throw ApplicationFailure.nonRetryable(`step ${(step as StepSpec).name} has a kind this worker does not know: ${String((step as { kind: unknown }).kind)}`, FAILURE_TYPES.invalidStep);
    }
  } catch (err) {
    progress.attempts = attemptsOf(err, step.retry.maxAttempts);
    const failure = toStepFailure(err, node);
    if (failure instanceof StepFailure && failure.values) progress.lastValues = failure.values;
    throw failure;
  }
}

/** Attempts a failed activity made: all of them when retries ran out, else at least one. */
function attemptsOf(err: unknown, maxAttempts: number): number {
  if (err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED') return maxAttempts;
  return 1;
}

/** Runs the undo command of a completed step on the node that ran it. */
export async function runUndoOnNode(
  step: { name: string; node: string; undo: CommandSpec; env: Record<string, EnvValue>; cwd: string; timeoutMs: number; retry: RetrySpec },
  ctx: StepRunContext,
): Promise<string | undefined> {
  const context = { plan: ctx.plan, runId: ctx.runId, service: ctx.service, step: step.name, phase: 'undo' as const, idempotencyKey: ctx.legacyUndoRoot ? legacyUndoKey(ctx.legacyUndoRoot, step.name) : idempotencyKey({ runId: ctx.runId, service: ctx.service, step: step.name, phase: 'undo' }), ...secretsOf(ctx) };
  try {
    const result = await whileNodeBusy(step.node, ctx, undefined, () =>
      activities(step.node, ctx, {
        activityId: `undo:${step.name}@${step.node}`,
        timeoutMs: step.timeoutMs + COMMAND_MARGIN_MS,
        retry: step.retry,
        summary: `undo ${ctx.service}/${step.name} @ ${step.node}`,
      }).runCommand({ command: step.undo, cwd: step.cwd, env: step.env, timeoutMs: step.timeoutMs, context, ...signedArg(ctx) }),
    );
    return result.lastLine;
  } catch (err) {
    throw toStepFailure(err, step.node);
  }
}

/**
 * Runs `call` on `node`. When no worker took the task within nodeTimeout, the node's liveness
 * worker (its own queue and slots) is asked: an answer means every step slot of the node is busy,
 * so the task is scheduled again and waits its turn; no answer within nodeTimeout (or a step
 * worker that is stopping) means the node is down. Runs from before patch busy-node-not-down
 * took any timeout as down.
 */
async function whileNodeBusy<T>(node: string, ctx: StepRunContext, progress: StepProgress | undefined, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isScheduleToStartTimeout(err) || !patched(PATCHES.busyNodeNotDown) || !(await nodeAnswers(node, ctx))) throw err;
      if (progress) progress.lastLine = `queued: every slot of ${node} is busy (the node answers); waiting for one`;
    }
  }
}

function isScheduleToStartTimeout(err: unknown): boolean {
  return err instanceof ActivityFailure && !isCancellation(err) && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START';
}

/** Whether `node`'s liveness worker answers within nodeTimeout with a running step worker. */
async function nodeAnswers(node: string, ctx: StepRunContext): Promise<boolean> {
  try {
    const answer = await proxyActivities<NodeLivenessActivities>({
      taskQueue: nodeLivenessTaskQueue(node),
      scheduleToStartTimeout: ctx.nodeTimeoutMs,
      startToCloseTimeout: LIVENESS_ANSWER_MS,
      retry: { maximumAttempts: 1 },
      summary: `is ${node} alive?`,
    }).nodeAlive();
    return answer.stepWorker === 'RUNNING';
  } catch (err) {
    if (isCancellation(err)) throw err;
    return false;
  }
}

/** Only signed runs add the field, so unsigned runs' activity inputs stay as they were. */
function signedArg(ctx: StepRunContext): { signed?: SignedService } {
  return ctx.signed ? { signed: ctx.signed } : {};
}

function toStepFailure(err: unknown, node: string): unknown {
  // Cancellation must stay recognisable as such, so the service undoes and reports 'cancelled'.
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return err;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') {
    return new StepFailure(`node ${node} is down: no worker took the task within the node timeout`, true);
  }
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { outputTail?: string; values?: number[] } | undefined;
    return new StepFailure(cause.message, false, details?.outputTail, cause.type ?? undefined, Array.isArray(details?.values) ? details.values : undefined);
  }
  if (cause instanceof TimeoutFailure) {
    return new StepFailure(`timed out (${(cause.timeoutType ?? 'unknown').toLowerCase().replace(/_/g, '-')}) on ${node}`, false);
  }
  return new StepFailure(cause?.message ?? err.message, false);
}
