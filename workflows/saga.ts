import { CancellationScope } from '@temporalio/workflow';
import type { CompletedStep, RollbackFailure } from './progress';

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
