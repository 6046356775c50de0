import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const TaskQueueType = temporal.api.enums.v1.TaskQueueType;

/**
 * An idle worker's poll waits on the server up to its long-poll interval (60 s by default)
 * before it polls again, so only a poller silent for longer than that is gone.
 */
export const DEFAULT_STALE_AFTER = '90s';

/** A task queue's workers as its pollers tell. */
export interface QueueStatus {
  taskQueue: string;
  /** A poller was seen within the stale-after window. */
  up: boolean;
  /** Last poll of any worker (server time, ISO). */
  lastSeen?: string;
  lastSeenAgoMs?: number;
  workers: Array<{ identity: string; lastSeen?: string }>;
}

/** Who polls `taskQueue`, and whether any of them polled within `staleAfterMs`. */
export async function describeQueue(client: Client, taskQueue: string, kind: 'activity' | 'workflow', staleAfterMs: number, nowMs = Date.now()): Promise<QueueStatus> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: kind === 'activity' ? TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY : TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const workers = (response.pollers ?? []).map((p) => ({ identity: p.identity ?? '?', ms: optionalTsToMs(p.lastAccessTime) }));
  const last = Math.max(-Infinity, ...workers.map((w) => w.ms ?? -Infinity));
  const seen = Number.isFinite(last);
  return {
    taskQueue,
    up: seen && nowMs - last <= staleAfterMs,
    lastSeen: seen ? new Date(last).toISOString() : undefined,
    lastSeenAgoMs: seen ? Math.max(0, nowMs - last) : undefined,
    workers: workers.map((w) => ({ identity: w.identity, lastSeen: w.ms === undefined ? undefined : new Date(w.ms).toISOString() })),
  };
}

