/**
 * Runs a plan's shape as the Temporal floor (floor/workflows.ts) on the bench cluster: the same
 * number of child workflows and activities, with nothing of Maestro's around them.
 */
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import type { NormalizedPlan } from '../plan/types';
import { FLOOR_STEP_QUEUE, FLOOR_TASK_QUEUE, type floorDeployment } from './floor/workflows';
import { toMs } from './history-metrics';

const noop = () => undefined;
const quietBundler = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/** The floor's workers: its workflows, and its empty steps on a queue of their own (as node queues are). */
export async function createFloorWorkers(connection: NativeConnection, namespace: string): Promise<Worker[]> {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./floor/workflows'), logger: quietBundler });
  return [
    await Worker.create({ connection, namespace, taskQueue: FLOOR_TASK_QUEUE, workflowBundle }),
    await Worker.create({ connection, namespace, taskQueue: FLOOR_STEP_QUEUE, activities: { emptyStep: async () => undefined } }),
  ];
}

/** The floor's makespan for the plan's shape, in ms, from its history (first event to last). */
export async function floorMakespan(client: Client, plan: NormalizedPlan, workflowId: string): Promise<number> {
  const steps = plan.services[0]?.steps.length ?? 0;
  const handle = await client.workflow.start<typeof floorDeployment>('floorDeployment', {
    workflowId,
    taskQueue: FLOOR_TASK_QUEUE,
    args: [{ services: plan.services.map((s) => ({ name: s.name, dependsOn: [...s.dependsOn] })), steps }],
  });
  await handle.result();
  const events = (await handle.fetchHistory()).events ?? [];
  return toMs(events[events.length - 1]?.eventTime) - toMs(events[0]?.eventTime);
}
