import { patched, workflowInfo } from '@temporalio/workflow';
import { PATCHES } from './patches';

/**
 * History size at which a run stops itself and rolls back. Temporal terminates a run whose
 * history passes `limit.historySize.error` (50 MB by default) — and a terminated run undoes
 * nothing. Signals cannot be refused before they are written to history, so a flood of large
 * refused signals (36 × 1.5 MB took 7 s) would get there. Stopping at 20 MiB leaves 30 MB for
 * the rollback; a normal run of 5,000 services stays under ~6 MB (docs/limits.md).
 */
export const HISTORY_STOP_BYTES = 20 * 1024 * 1024;

/**
 * Watches the run's history size. Chosen over continue-as-new: a new run would have to carry
 * running children, open gates and the audit trail, and a flood would follow it there.
 */
export class HistoryGuard {
  /** A run from before the patch never stops for its history; it must not wake for it either. */
  private declined = false;

  /** The main loop should look (the history passed the mark and nobody has looked yet). */
  get due(): boolean {
    return !this.declined && workflowInfo().historySize > HISTORY_STOP_BYTES;
  }

  /** Why the run must stop now, or undefined. */
  pressure(): string | undefined {
    if (!this.due) return undefined;
    if (!patched(PATCHES.stopBeforeHistoryLimit)) {
      this.declined = true;
      return undefined;
    }
    const size = workflowInfo().historySize;
    return `the run's history reached ${Math.round(size / 1024 / 1024)} MiB (it stops at ${HISTORY_STOP_BYTES / 1024 / 1024} MiB, before Temporal's limit would terminate it without undoing anything): a flood of messages?`;
  }
}
