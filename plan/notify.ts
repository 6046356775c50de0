/**
 * Notifications (`notify:` in the plan or the cluster file): webhooks told about the moments an
 * operator should hear of without watching — a gate opened, a decision needed, a rollback, the
 * end of the run. Plain data: it travels in the plan, in history; webhook URLs that are secrets
 * stay `{ fromEnv: NAME }` and are read on the orchestrator worker that sends them.
 */
import type { RunState } from './states';

/** What a webhook can be told, in the order a run can reach them. */
export const NOTIFY_EVENTS = [
  'gate-opened',
  'decision-needed',
  'rollback-started',
  'rollback-finished',
  'rollback-incomplete',
  'run-failed',
  'run-succeeded',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** `json`: Maestro's own body (a Notification); `slack`: a Slack incoming-webhook body (`text`, mrkdwn). */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookTarget {
  kind: 'webhook';
  /** An http(s) URL, or `{ fromEnv: NAME }` read where the orchestrator worker runs (Slack's URLs are secrets). */
  url: string | { fromEnv: string };
  format: WebhookFormat;
  /** The events this webhook gets. Default: every one. */
  events: NotifyEvent[];
}

export interface NotifySpec {
  /** The cluster file's targets first, then the plan's. */
  targets: WebhookTarget[];
  /** How long a notification is retried before it is given up (the receiver may be down). Default 1h. */
  giveUpAfterMs: number;
}

export const NOTIFY_DEFAULTS = { format: 'json', giveUpAfterMs: 3_600_000 } as const;

/** The plan's and the cluster file's notify settings together; undefined when neither has any target. */
export function mergeNotify(cluster: NotifySpec | undefined, plan: NotifySpec | undefined): NotifySpec | undefined {
  const targets = [...(cluster?.targets ?? []), ...(plan?.targets ?? [])];
  if (targets.length === 0) return undefined;
  return { targets, giveUpAfterMs: plan?.giveUpAfterMs ?? cluster?.giveUpAfterMs ?? NOTIFY_DEFAULTS.giveUpAfterMs };
}

/** The targets an event goes to. */
export function targetsFor(notify: NotifySpec | undefined, event: NotifyEvent): WebhookTarget[] {
  return (notify?.targets ?? []).filter((t) => t.events.includes(event));
}

/**
 * What a webhook receives (the `json` format's body; the `slack` format carries `text`). Made in
 * the workflow from the run's progress, so it is in history once and every retry sends the same.
 */
export interface Notification {
  /** Unique per run and event: a receiver that got it twice (retries are at least once) can tell. */
  id: string;
  event: NotifyEvent;
  runId: string;
  plan: string;
  /** The run's state when the event happened. */
  state: RunState;
  at: string;
  /** One line for people. */
  text: string;
  gate?: { id: string; wave?: number; service?: string; deadline?: string; approveCommand: string; rejectCommand: string };
  decision?: { service: string; error: string; decideCommand: string };
  failure?: string;
  /** Undos that failed (rollback-incomplete). */
  rollbackFailures?: number;
}
