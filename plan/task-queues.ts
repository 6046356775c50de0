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
