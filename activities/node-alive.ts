/** What a node answers when asked whether it is alive (activity `nodeAlive`). */
export interface NodeAliveAnswer {
  node: string;
  /** State of the node's step worker: only `RUNNING` takes steps. */
  stepWorker: string;
}

/** The liveness activity of a node; workflows use the type only. */
export interface NodeLivenessActivities {
  nodeAlive(): Promise<NodeAliveAnswer>;
}

/** Answers for `node`, telling the state of its step worker. */
export function createNodeLivenessActivities(node: string, stepWorkerState: () => string): NodeLivenessActivities {
  return { nodeAlive: async () => ({ node, stepWorker: stepWorkerState() }) };
}
