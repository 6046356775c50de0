/** The one place task-queue names are made: workers poll them, workflows route to them. */

/** Queue of the orchestrator worker (deployment and service workflows). */
export const ORCHESTRATOR_TASK_QUEUE = 'maestro-orchestrator';

/** Queue polled by the node worker of `node`; steps routed to the node are scheduled here. */
export function nodeTaskQueue(node: string): string {
  return `maestro-node-${node}`;
}
