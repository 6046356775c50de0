import { patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { MaestroActivities } from '../../../activities';
import { nodeTaskQueue } from '../../../plan/task-queues';
import { deploymentWorkflow as releasedDeployment, type DeploymentInput } from '../../../workflows/deployment';
import type { ServiceRunInput } from '../../../workflows/service';
import { serviceWorkflow as releasedService } from '../../../workflows/service';

/**
 * Test-only workflows: the released ones with two changes, as a careless and a careful
 * developer would make them. Replaying recorded histories against this bundle must catch the
 * first and accept the second.
 */
export { serviceUndoWorkflow } from '../../../workflows';

/** Unsafe: a timer added before the run starts, released without `patched()`. */
export async function deploymentWorkflow(input: DeploymentInput): ReturnType<typeof releasedDeployment> {
  await sleep('1 second');
  return releasedDeployment(input);
}

/** Safe: a pre-flight command added to every service, behind `patched()`; old runs replay without it. */
export async function serviceWorkflow(input: ServiceRunInput): ReturnType<typeof releasedService> {
  if (patched('service-preflight')) {
    const node = input.candidates[0] ?? 'unknown';
    await proxyActivities<MaestroActivities>({ taskQueue: nodeTaskQueue(node), startToCloseTimeout: '1 minute' }).runCommand({
      command: { argv: ['true'] },
      cwd: '/',
      env: {},
      timeoutMs: 60_000,
      context: { plan: input.plan, runId: input.runId, service: input.service.name, step: 'preflight', phase: 'do', idempotencyKey: `${input.runId}/${input.service.name}/preflight` },
    });
  }
  return releasedService(input);
}
