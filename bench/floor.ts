/**
 * Runs a plan's shape as the Temporal floor (floor/workflows.ts) on the bench cluster: the same
 * number of child workflows and activities, with nothing of Maestro's around them.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import type { NormalizedPlan } from '../plan/types';
import { FLOOR_STEP_QUEUE, FLOOR_TASK_QUEUE, type floorDeployment } from './floor/workflows';
import { toMs } from './history-metrics';

const noop = () => undefined;
const quietBundler = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/**
 * The floor's workers: its workflows, and its empty steps on a queue of their own (as node queues
 * are). With Maestro's data converter, as the client that starts it has (a large plan is gzipped).
 */
export async function createFloorWorkers(connection: NativeConnection, namespace: string, dataConverter: DataConverter): Promise<Worker[]> {
  const { failureConverterPath } = dataConverter;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./floor/workflows'), failureConverterPath, logger: quietBundler });
  return [
    await Worker.create({ connection, namespace, taskQueue: FLOOR_TASK_QUEUE, workflowBundle, dataConverter }),
    await Worker.create({ connection, namespace, taskQueue: FLOOR_STEP_QUEUE, activities: { emptyStep: async () => undefined }, dataConverter }),
  ];
}

/** The floor's makespan for the plan's shape, in ms, from its history (first event to last). */
export async function floorMakespan(client: Client, plan: NormalizedPlan, workflowId: string, timeoutMs: number): Promise<number> {
  const steps = plan.services[0]?.steps.length ?? 0;
  const handle = await client.workflow.start<typeof floorDeployment>('floorDeployment', {
    workflowId,
    taskQueue: FLOOR_TASK_QUEUE,
    args: [{ services: plan.services.map((s) => ({ name: s.name, dependsOn: [...s.dependsOn] })), steps }],
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the Temporal floor of ${plan.name} did not finish within ${timeoutMs / 1000}s`)), timeoutMs);
  });
  try {
    await Promise.race([handle.result(), timeout]);
  } catch (err) {
    await handle.terminate('the benchmark gave up on this run').catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const events = (await handle.fetchHistory()).events ?? [];
  return toMs(events[events.length - 1]?.eventTime) - toMs(events[0]?.eventTime);
}
