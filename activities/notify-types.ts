import type { Notification, WebhookTarget } from '../plan/notify';

export interface DeliverNotificationInput {
  target: WebhookTarget;
  /** The target's place in the plan's list: named in logs and errors instead of its URL. */
  index: number;
  notification: Notification;
}

/** The orchestrator worker's activities (notifications); workflows import the type only. */
export interface NotifyActivities {
  deliverNotification(input: DeliverNotificationInput): Promise<{ status: number }>;
}
