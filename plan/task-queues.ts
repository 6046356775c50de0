/** The one place task-queue names are made: workers poll them, workflows route to them. */

/** Queue of the orchestrator worker (deployment and service workflows). */
export const ORCHESTRATOR_TASK_QUEUE = 'maestro-orchestrator';

/** Queue polled by the node worker of `node`; steps routed to the node are scheduled here. */
export function nodeTaskQueue(node: string): string {
  return `maestro-node-${node}`;
}

/**
 * Queue of the node's liveness worker: a second worker in the node process whose slots are never
 * taken by steps, so a node whose step slots are all busy still answers here within seconds.
 * `/` cannot occur in a node name, so no node's step queue is another node's liveness queue.
 */
export function nodeLivenessTaskQueue(node: string): string {
  return `maestro-node-${node}/alive`;
}

/**
 * Polled by every node worker alongside its own queue, with the same identity; nothing is ever
 * scheduled there. Its pollers are the cluster's nodes as they are, not as a cluster file says
 * (`maestro nodes`): a queue name cannot be listed, this one is known.
 */
export const NODES_TASK_QUEUE = 'maestro-nodes';
