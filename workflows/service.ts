import { ApplicationFailure, allHandlersFinished, condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import { moveService, moveStep } from '../plan/states';
import type { ServiceSpec } from '../plan/types';
import { upgradeService } from '../plan/upgrade';
import { pauseSignal, resumeSignal, serviceProgressQuery } from './messages';
import type { CompletedStep, RollbackFailure, ServiceOutcome, ServiceProgress, StepProgress, UndoOutcome } from './progress';
import { Saga, unwindSteps } from './saga';
import { StepFailure, runStepOnNode, runUndoOnNode, type StepRunContext } from './step-runner';

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
}

/** `ApplicationFailure.type` of a failed service; details[0] is its ServiceProgress. */
export const SERVICE_FAILED = 'ServiceFailed';

const now = () => new Date(Date.now()).toISOString();

/**
 * Runs one service's steps in order on its node. A failed step first undoes the service's own
 * completed steps (reverse order, same nodes), then fails the service; cancellation undoes the
 * same way. A node that does not pick up a task within nodeTimeout is skipped for the next candidate.
 */
export async function serviceWorkflow(input: ServiceRunInput): Promise<ServiceOutcome> {
  const service = upgradeService(input.service);
  const ctx: StepRunContext = { runId: input.runId, plan: input.plan, service: service.name, serviceWorkflowId: workflowInfo().workflowId, nodeTimeoutMs: input.nodeTimeoutMs, runSecretEnv: input.runSecretEnv };
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
      saga.record({ name: step.name, node: progress.node!, undo: step.kind === 'run' ? step.undo : undefined, env: step.env, cwd: step.cwd, timeoutMs: step.timeoutMs, retry: step.retry });
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
      moveService(progress, failures.length ? 'rollback-failed' : 'cancelled');
      throw err;
    }
    moveService(progress, 'failed');
    const where = `${service.name}/${failed?.name ?? '?'}`;
    // Activity messages already start with service/step; say it once.
    const message = (err as Error).message.replace(new RegExp(`^${escapeRegExp(where)}:?\\s*`), '');
    progress.error = `${where} failed: ${message}`;
    throw ApplicationFailure.nonRetryable(progress.error, SERVICE_FAILED, { progress, undoFailures: failures });
  }
  moveService(progress, 'succeeded');
  progress.currentStep = undefined;
  progress.endedAt = now();
  await condition(allHandlersFinished);
  return { node: progress.node, nodesDown: progress.nodesDown, steps: progress.steps, completed: saga.completed };
}

export interface ServiceUndoInput {
  runId: string;
  plan: string;
  service: string;
  wave: number;
  /** The service's completed steps, in the order they ran. */
  completed: CompletedStep[];
  /** The step progress of the deploy, updated as undos run. */
  steps: StepProgress[];
  nodeTimeoutMs: number;
  /** Every `fromEnv` variable of the plan, redacted from every undo's output. */
  runSecretEnv?: string[];
}

/** Undoes a succeeded service during a cross-service rollback; never fails — it reports what could not be undone. */
export async function serviceUndoWorkflow(input: ServiceUndoInput): Promise<UndoOutcome> {
  const ctx: StepRunContext = { runId: input.runId, plan: input.plan, service: input.service, serviceWorkflowId: workflowInfo().workflowId, nodeTimeoutMs: input.nodeTimeoutMs, runSecretEnv: input.runSecretEnv };
  const progress: ServiceProgress = { name: input.service, wave: input.wave, state: 'rolling-back', nodesDown: [], startedAt: now(), steps: input.steps };
  setHandler(serviceProgressQuery, () => progress);
  const failures: RollbackFailure[] = await unwindSteps(input.completed, (step) => undoStep(step, ctx, progress), input.service);
  moveService(progress, failures.length ? 'rollback-failed' : 'rolled-back');
  progress.endedAt = now();
  await condition(allHandlersFinished);
  return { steps: progress.steps, failures };
}

async function undoStep(step: CompletedStep, ctx: StepRunContext, progress: ServiceProgress): Promise<void> {
  if (!step.undo) return;
  const stepProgress = progress.steps.find((s) => s.name === step.name);
  if (stepProgress) moveStep(stepProgress, 'undoing');
  progress.currentStep = step.name;
  try {
    const line = await runUndoOnNode({ ...step, undo: step.undo }, ctx);
    if (stepProgress) {
      moveStep(stepProgress, 'undone');
      stepProgress.lastLine = line ?? stepProgress.lastLine;
    }
  } catch (err) {
    if (stepProgress) {
      moveStep(stepProgress, 'undo-failed');
      stepProgress.undoError = (err as Error).message;
    }
    throw err;
  }
}

function lastLine(tail: string): string | undefined {
  return tail.trimEnd().split('\n').pop();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
