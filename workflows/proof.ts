import { proxyActivities } from '@temporalio/workflow';
import type { createIdentifyActivities } from '../activities/identify-node';
import { nodeTaskQueue } from '../plan/task-queues';

/** Asks the worker of each node who it is: the smallest proof that routing by node queue works. */
export async function proofWorkflow(nodes: string[]): Promise<Array<{ node: string; taskQueue: string; pid: number }>> {
  return Promise.all(
    nodes.map((node) =>
      proxyActivities<ReturnType<typeof createIdentifyActivities>>({
        taskQueue: nodeTaskQueue(node),
        startToCloseTimeout: '10s',
        scheduleToStartTimeout: '30s',
        summary: `identify @ ${node}`,
      }).identifyNode(),
    ),
  );
}

export function proofWorkflowId(suffix: string): string {
  return `maestro-proof-${suffix}`;
}
