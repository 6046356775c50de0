import { ApplicationFailure, allHandlersFinished, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { moveService, moveStep } from '../plan/states';
import type { SignedService } from '../plan/signed-plan';
import type { ServiceSpec } from '../plan/types';
import { upgradeService } from '../plan/upgrade';
import { pauseSignal, resumeSignal, serviceProgressQuery } from './messages';
import { PATCHES } from './patches';
import type { RollbackFailure, ServiceProgress, ServiceResult, StepProgress } from './progress';
import { Saga, completedStep, undoStep } from './saga';
import { FAILURE_TYPES } from '../activities/failure-types';
import { StepFailure, runStepOnNode, type StepRunContext } from './step-runner';

export interface ServiceRunInput {
  runId: string;
  plan: string;
  wave: number;
  service: ServiceSpec;
  /** Nodes that may run the service, preferred first (from `routeServices`). */
  candidates: string[];
  nodeTimeoutMs: number;
  /** Every `fromEnv` variable of the plan, redacted from every step's output. */
  runSecretEnv?: string[];
  /** The run was paused when this child started. */
  startPaused?: boolean;
  /** The service's share of the plan signature, handed to every step (undefined: an unsigned run). */
  signed?: SignedService;
}

/** `ApplicationFailure.type` of a failed service; details[0] is its ServiceResult (end: failed). */
export const SERVICE_FAILED = 'ServiceFailed';
/** `ApplicationFailure.type` of a cancelled service; details[0] is its ServiceResult (end: cancelled or rollback-failed). */
export const SERVICE_CANCELLED = 'ServiceCancelled';

const now = () => new Date(Date.now()).toISOString();

/**
 * Runs one service's steps in order on its node. A failed step first undoes the service's own
 * completed steps (reverse order, same nodes), then fails the service; cancellation undoes the
 * same way. A node that does not pick up a task within nodeTimeout is skipped for the next candidate.
 */
export async function serviceWorkflow(input: ServiceRunInput): Promise<ServiceResult> {
  const service = upgradeService(input.service);
  const ctx: StepRunContext = { runId: input.runId, plan: input.plan, service: service.name, nodeTimeoutMs: input.nodeTimeoutMs, runSecretEnv: input.runSecretEnv, signed: input.signed };
  const progress: ServiceProgress = {
    name: service.name,
    wave: input.wave,
    state: 'running',
    node: input.candidates[0],
    nodesDown: [],
    startedAt: now(),
    steps: service.steps.map((s): StepProgress => ({ name: s.name, kind: s.kind, state: 'pending', attempts: 0 })),
  };
  let paused = input.startPaused ?? false;
  setHandler(serviceProgressQuery, () => progress);
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));

  const saga = new Saga();
  const candidates = [...input.candidates];
  const result = (undoFailures: RollbackFailure[]) => ({ service: service.name, node: progress.node, nodesDown: progress.nodesDown, steps: progress.steps, undoFailures });
  try {
    for (const [i, step] of service.steps.entries()) {
      await condition(() => !paused);
      const stepProgress = progress.steps[i]!;
      progress.currentStep = step.name;
      for (;;) {
        const node = candidates[0];
        if (!node) throw new StepFailure(`no node left to run ${service.name}/${step.name}: ${progress.nodesDown.join(', ')} down`, true);
        progress.node = node;
        try {
          await runStepOnNode(step, node, ctx, stepProgress);
          break;
        } catch (err) {
          if (err instanceof StepFailure && err.nodeDown) {
            // The node counts as down for the rest of this service; try the next candidate.
            progress.nodesDown.push(candidates.shift()!);
            continue;
          }
          throw err;
        }
      }
      moveStep(stepProgress, 'succeeded');
      stepProgress.endedAt = now();
      saga.record(completedStep(step, progress.node!));
    }
  } catch (err) {
    const failed = progress.steps.find((s) => s.state === 'running');
    if (failed) {
      moveStep(failed, isCancellation(err) ? 'skipped' : 'failed');
      failed.error = isCancellation(err) ? 'cancelled' : (err as Error).message;
      failed.endedAt = now();
      if (err instanceof StepFailure && err.outputTail) failed.lastLine = lastLine(err.outputTail);
    }
    moveService(progress, 'rolling-back');
    const failures = await saga.unwind((step) => undoStep(step, ctx, progress), service.name);
    progress.currentStep = undefined;
    progress.endedAt = now();
    if (isCancellation(err)) {
      const end = failures.length ? 'rollback-failed' : 'cancelled';
      moveService(progress, end);
      // A bare cancellation carries nothing: the parent would not learn which steps ran or which undo failed.
      if (!patched(PATCHES.cancelledChildReports)) throw err;
      const cancelled: ServiceResult = { end, ...result(failures) };
      throw ApplicationFailure.create({ message: `${service.name} cancelled`, type: SERVICE_CANCELLED, nonRetryable: true, details: [cancelled] });
    }
    moveService(progress, 'failed');
    const where = `${service.name}/${failed?.name ?? '?'}`;
    // Activity messages already start with service/step; say it once.
    const message = (err as Error).message.replace(new RegExp(`^${escapeRegExp(where)}:?\\s*`), '');
    progress.error = `${where} failed: ${message}`;
    // `progress` stays in the details for parents that read it before ServiceResult.
    // Only where it is so, so the results of every other failure stay as they were.
    const inconclusive = err instanceof StepFailure && err.type === FAILURE_TYPES.checkInconclusive ? { inconclusive: true as const } : {};
    const failedResult: ServiceResult & { progress: ServiceProgress } = { end: 'failed', error: progress.error, ...result(failures), ...inconclusive, progress };
    throw ApplicationFailure.nonRetryable(progress.error, SERVICE_FAILED, failedResult);
  }
  moveService(progress, 'succeeded');
  progress.currentStep = undefined;
  progress.endedAt = now();
  await condition(allHandlersFinished);
  return { end: 'succeeded', ...result([]) };
}

function lastLine(tail: string): string | undefined {
  return tail.trimEnd().split('\n').pop();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
