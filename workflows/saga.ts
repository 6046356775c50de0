import { CancellationScope } from '@temporalio/workflow';
import { moveStep } from '../plan/states';
import type { ServiceSpec, StepSpec } from '../plan/types';
import type { CompletedStep, RollbackFailure, ServiceProgress, StepProgress } from './progress';
import { runUndoOnNode, type StepRunContext } from './step-runner';

/**
 * The undo stack of a service: a step's compensation is registered right after the step
 * succeeds, and unwound in reverse inside a non-cancellable scope, so a cancelled run still
 * rolls back. An undo that keeps failing is recorded and the unwinding goes on.
 */
export class Saga {
  readonly completed: CompletedStep[] = [];

  record(step: CompletedStep): void {
    this.completed.push(step);
  }

  unwind(undo: (step: CompletedStep) => Promise<void>, service: string): Promise<RollbackFailure[]> {
    return unwindSteps([...this.completed], undo, service);
  }
}

/** Undoes `steps` last-first; steps without an undo are passed over. */
export function unwindSteps(steps: readonly CompletedStep[], undo: (step: CompletedStep) => Promise<void>, service: string): Promise<RollbackFailure[]> {
  return CancellationScope.nonCancellable(async () => {
    const failures: RollbackFailure[] = [];
    for (const step of [...steps].reverse()) {
      if (!step.undo) continue;
      try {
        await undo(step);
      } catch (err) {
        failures.push({ service, step: step.name, error: (err as Error).message });
      }
    }
    return failures;
  });
}

/** A step that completed on `node`, with its undo as the plan has it. */
export function completedStep(step: StepSpec, node: string): CompletedStep {
  return { name: step.name, node, undo: step.kind === 'run' ? step.undo : undefined, env: step.env, cwd: step.cwd, timeoutMs: step.timeoutMs, retry: step.retry };
}

/**
 * The completed steps of a service, from the plan's spec and the steps' recorded states: what an
 * undo child needs, found by reference instead of shipped from the service child and back.
 */
export function completedSteps(spec: ServiceSpec, steps: readonly StepProgress[]): CompletedStep[] {
  return spec.steps.flatMap((step) => {
    const done = steps.find((s) => s.name === step.name);
    return done?.state === 'succeeded' && done.node ? [completedStep(step, done.node)] : [];
  });
}

/** Runs one undo, keeping its step's state: undoing, then undone or undo-failed (and why). */
export async function undoStep(step: CompletedStep, ctx: StepRunContext, progress: ServiceProgress): Promise<void> {
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
