import { Context } from '@temporalio/activity';

/** Which node's worker ran this task: proves routing by task queue. */
export function createIdentifyActivities(nodeName: string) {
  return {
    async identifyNode(): Promise<{ node: string; taskQueue: string; pid: number }> {
      return { node: nodeName, taskQueue: Context.current().info.taskQueue, pid: process.pid };
    },
  };
}
