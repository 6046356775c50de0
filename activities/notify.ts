import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import { FAILURE_TYPES } from './failure-types';
import type { DeliverNotificationInput, NotifyActivities } from './notify-types';
import type { Notification } from '../plan/notify';

export interface NotifyDeps {
  logger: Logger;
  /** Where `fromEnv` webhook URLs are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** One POST gives up after this. Default 10 s. */
  requestTimeoutMs?: number;
}

/** Statuses worth retrying among the 4xx: the receiver asked to wait, or timed out. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * POSTs a notification to a webhook. Any network error or 5xx is thrown as a plain (retryable)
 * error; a 4xx or a missing URL variable is NotificationRefused (non-retryable). Errors and logs
 * name the webhook by its place and its origin, never by its URL: a Slack URL is a secret.
 */
export function createNotifyActivities(deps: NotifyDeps): NotifyActivities {
  const env = deps.env ?? process.env;
  const timeoutMs = deps.requestTimeoutMs ?? 10_000;
  return {
    async deliverNotification({ target, index, notification }: DeliverNotificationInput) {
      const url = typeof target.url === 'string' ? target.url : env[target.url.fromEnv];
      const name = typeof target.url === 'string' ? `webhook ${index + 1}` : `webhook ${index + 1} ($${target.url.fromEnv})`;
      if (!url) throw ApplicationFailure.nonRetryable(`${name}: the variable is not set where the orchestrator worker runs`, FAILURE_TYPES.notificationRefused);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw ApplicationFailure.nonRetryable(`${name}: not a URL`, FAILURE_TYPES.notificationRefused);
      }
      const where = `${name} at ${parsed.origin}`;
      const log = deps.logger.child({ runId: notification.runId, event: notification.event, webhook: index + 1, origin: parsed.origin });
      let response: Response;
      try {
        response = await fetch(parsed, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-maestro-event': notification.event, 'x-maestro-notification-id': notification.id },
          body: JSON.stringify(body(target.format, notification)),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        log.warn({ error: cause?.code ?? (err as Error).message }, 'notification not delivered, will retry');
        throw new Error(`${where}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
      await response.body?.cancel();
      if (response.ok) {
        log.info({ status: response.status }, 'notification delivered');
        return { status: response.status };
      }
      const message = `${where} answered ${response.status}`;
      if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
        throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.notificationRefused);
      }
      log.warn({ status: response.status }, 'notification not delivered, will retry');
      throw new Error(message);
    },
  };
}

/** The request body of a format: Maestro's JSON, or a Slack incoming-webhook message. */
export function body(format: 'json' | 'slack', notification: Notification): unknown {
  if (format === 'json') return notification;
  // Slack's mrkdwn: the approve (or decide) command in a code span, ready to copy.
  return { text: notification.text };
}
