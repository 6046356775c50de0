import { CancellationScope, ParentClosePolicy, log, patched, startChild, workflowInfo } from '@temporalio/workflow';
import { targetsFor, type NotifyEvent } from '../plan/notify';
import { notifyWorkflowId } from './ids';
import { notificationOf } from './notification';
import { notifyWorkflow } from './notify';
import { PATCHES } from './patches';
import type { GateProgress } from './progress';
import type { RunBook } from './run-book';

/**
 * Sends the plan's notifications, each in an ABANDON child (workflows/notify.ts): the run goes on
 * at once, only the child's start is awaited before the run closes, so a notification sent at
 * the end still goes out when the run is gone. Plans without `notify:` start nothing.
 */
export class Notifier {
  private sent = 0;
  private readonly starting: Promise<void>[] = [];

  constructor(private readonly book: RunBook) {}

  send(event: NotifyEvent, gate?: GateProgress): void {
    const { notify } = this.book.plan;
    const targets = targetsFor(notify, event);
    // Only plans that have notify: can reach the patch, and only they carry its marker.
    if (!notify || targets.length === 0 || !patched(PATCHES.notifications)) return;
    this.sent++;
    const { runId } = this.book.progress;
    const workflowId = notifyWorkflowId(runId, workflowInfo().runId, this.sent, event);
    const notification = notificationOf(event, this.book.progress, workflowId, gate);
    // Not cancellable: a cancelled run's rollback notifications still go out.
    const started = CancellationScope.nonCancellable(() =>
      startChild(notifyWorkflow, {
        workflowId,
        args: [{ notification, targets, giveUpAfterMs: notify.giveUpAfterMs }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `notify ${event}`,
      }),
    ).then(
      () => undefined,
      (err: Error) => log.warn('notification not started', { event, error: err.message }),
    );
    this.starting.push(started);
  }

  /** Waits until every notification's child has started (never for its delivery). */
  async started(): Promise<void> {
    await Promise.all(this.starting);
  }
}
