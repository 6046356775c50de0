import { rollbackWaves } from '../plan/scheduling';
import type { ServiceChildren } from './children';
import type { RollbackFailure } from './progress';
import type { RunBook } from './run-book';

/**
 * Undoes every succeeded service in reverse dependency order: the last wave first, the services
 * of one wave together (at most maxParallel at a time). A failing undo is recorded and the
 * rollback goes on.
 */
export async function rollBack(book: RunBook, children: ServiceChildren): Promise<RollbackFailure[]> {
  const failures: RollbackFailure[] = [];
  const limit = Math.max(1, book.plan.strategy.maxParallel);
  for (const wave of rollbackWaves(book.progress.waves, book.states())) {
    for (let i = 0; i < wave.length; i += limit) {
      const batch = wave.slice(i, i + limit);
      batch.forEach((name) => book.setServiceState(name, 'rolling-back'));
      await Promise.all(
        batch.map(async (name) => {
          const outcome = await children.undo(name);
          book.service(name).steps = outcome.steps;
          failures.push(...outcome.failures);
          book.setServiceState(name, outcome.failures.length ? 'rollback-failed' : 'rolled-back');
        }),
      );
    }
  }
  return failures;
}
