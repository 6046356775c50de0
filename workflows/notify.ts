import { log, proxyActivities } from '@temporalio/workflow';
import type { WebhookTarget } from '../plan/notify';
import type { NotifyActivities } from '../activities/notify-types';
import type { Notification } from './notification';

export interface NotifyInput {
  notification: Notification;
  targets: WebhookTarget[];
  /** Retries of each delivery stop after this long. */
  giveUpAfterMs: number;
}

export interface NotifyResult {
  delivered: number;
  /** One line per target that was given up, without its URL (it may be a secret). */
  failed: string[];
}

/**
 * Delivers one notification to its webhooks, each an activity retried until it is delivered or
 * `giveUpAfterMs` has passed. A child of the run with ParentClosePolicy ABANDON: the run never
 * waits for a receiver, and a notification sent as the run ends outlives it. The activities run on
 * the orchestrator task queue, so a worker that dies mid-delivery loses nothing: the retry goes to
 * the next orchestrator worker.
 */
export async function notifyWorkflow(input: NotifyInput): Promise<NotifyResult> {
  const { deliverNotification } = proxyActivities<NotifyActivities>({
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: input.giveUpAfterMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
    summary: `notify ${input.notification.event}`,
  });
  const outcomes = await Promise.all(
    input.targets.map((target, index) =>
      deliverNotification({ target, index, notification: input.notification }).then(
        () => undefined,
        (err: Error) => {
          const cause = (err.cause as Error | undefined)?.message ?? err.message;
          log.warn('notification given up', { event: input.notification.event, target: index, error: cause });
          return `webhook ${index + 1}: ${cause}`;
        },
      ),
    ),
  );
  const failed = outcomes.filter((o): o is string => o !== undefined);
  return { delivered: outcomes.length - failed.length, failed };
}
