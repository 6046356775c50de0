import { Worker, type NativeConnection } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createNodeLivenessActivities } from '../activities/node-alive';
import { maestroDataConverter } from '../connection/codec';
import { nodeLivenessTaskQueue } from '../plan/task-queues';
import { workerIdentity } from './identity';

export interface NodeLivenessWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  node: string;
  /** The node's step worker, whose state the answer carries. */
  stepWorker: Pick<Worker, 'getState'>;
  dataConverter?: DataConverter;
}

/**
 * A small worker beside the node's step worker, on its own queue and slots. A step that waited
 * `nodeTimeout` for a slot asks it before the node counts as down: an answer means the node is
 * busy (its slots full), silence means nothing polls there (workflows/step-runner.ts).
 */
export async function createNodeLivenessWorker(options: NodeLivenessWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: nodeLivenessTaskQueue(options.node),
    identity: workerIdentity(`node-alive:${options.node}`),
    activities: createNodeLivenessActivities(options.node, () => options.stepWorker.getState()),
    // Answers take microseconds; a few slots are plenty even when many services ask at once.
    maxConcurrentActivityTaskExecutions: 20,
    dataConverter: options.dataConverter ?? maestroDataConverter(),
  });
}
