import { ApplicationFailure } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { NODES_TASK_QUEUE } from '../plan/task-queues';

/**
 * The presence identity of a process's node workers: a node worker's identity with every node
 * of the process in its role (`node:a,b <host>:<pid> <os>/<arch> maestro/<version>`). One per
 * process: the SDK refuses two workers on one task queue in one process.
 */
export function presenceIdentity(nodes: readonly string[], nodeWorkerIdentity: string): string {
  return nodeWorkerIdentity.replace(/^\S+/, `node:${nodes.join(',')}`);
}

/**
 * A process's node presence: one idle poller on the shared nodes queue, so one
 * DescribeTaskQueue lists every node that polls, declared anywhere or not.
 */
export async function createPresenceWorker(options: { connection: NativeConnection; namespace: string; identity: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: NODES_TASK_QUEUE,
    identity: options.identity,
    activities: {
      // Never scheduled: a task here is a mistake, and retrying it cannot help.
      presence: () => Promise.reject(ApplicationFailure.nonRetryable(`nothing runs on the ${NODES_TASK_QUEUE} task queue`, 'NotARealQueue')),
    },
    maxConcurrentActivityTaskPolls: 1,
    maxConcurrentActivityTaskExecutions: 1,
  });
}
