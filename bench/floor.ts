/**
 * Runs a plan's shape as the Temporal floor (floor/workflows.ts) on the bench cluster: the same
 * number of child workflows and activities, with nothing of Maestro's around them.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { NormalizedPlan } from '../plan/types';
import { bundleWorkflows } from '../workers/orchestrator-worker';
import { settleWithin } from './deadline';
import { FLOOR_STEP_QUEUE, FLOOR_TASK_QUEUE, type floorDeployment } from './floor/workflows';
import { parentTiming } from './history-metrics';
import type { Scenario } from './run-scenario';

/** The floor mirrors no-op plans in `dag` mode whose services all may run at once (no window in the way). */
export function mirrorsFloor(scenario: Pick<Scenario, 'body' | 'mode' | 'maxParallel' | 'services'>): boolean {
  return scenario.body === 'noop' && scenario.mode === 'dag' && scenario.maxParallel >= scenario.services;
}

export function bundleFloor(failureConverterPath: string | undefined): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflows({ workflowsPath: require.resolve('./floor/workflows'), failureConverterPath });
}

/**
 * The floor's workers: its workflows, and its empty steps on a queue of their own (as node queues
 * are). With Maestro's data converter, as the client that starts it has (a large plan is gzipped).
 */
export async function createFloorWorkers(connection: NativeConnection, namespace: string, dataConverter: DataConverter, workflowBundle: WorkflowBundleWithSourceMap): Promise<Worker[]> {
  return [
    await Worker.create({ connection, namespace, taskQueue: FLOOR_TASK_QUEUE, workflowBundle, dataConverter }),
    await Worker.create({ connection, namespace, taskQueue: FLOOR_STEP_QUEUE, activities: { emptyStep: async () => undefined }, dataConverter }),
  ];
}

/** The floor's makespan for the plan's shape, in ms, from its history. */
export async function floorMakespan(client: Client, plan: NormalizedPlan, workflowId: string, timeoutMs: number): Promise<number> {
  const steps = plan.services[0]?.steps.length ?? 0;
  const handle = await client.workflow.start<typeof floorDeployment>('floorDeployment', {
    workflowId,
    taskQueue: FLOOR_TASK_QUEUE,
    args: [{ services: plan.services.map((s) => ({ name: s.name, dependsOn: [...s.dependsOn] })), steps }],
  });
  await settleWithin(handle.result(), handle, `the Temporal floor of ${plan.name}`, timeoutMs);
  const { startedAt, closedAt } = parentTiming(await handle.fetchHistory());
  return closedAt - startedAt;
}
