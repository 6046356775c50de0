/**
 * The Temporal floor: the least orchestration a plan's shape needs — a parent that starts one
 * child per service once its dependencies finish, and a child that runs k empty activities one
 * after another on another task queue. No gates, no progress, no commands, no codec. A Maestro
 * run of the same shape costs the same server work plus Maestro's own; this shows how much of a
 * makespan is Temporal's on this machine.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

export const FLOOR_TASK_QUEUE = 'bench-floor';
export const FLOOR_STEP_QUEUE = 'bench-floor-steps';

export interface FloorInput {
  /** In an order where every service comes after its dependencies. */
  services: Array<{ name: string; dependsOn: string[] }>;
  steps: number;
}

const { emptyStep } = proxyActivities<{ emptyStep(): Promise<void> }>({ taskQueue: FLOOR_STEP_QUEUE, startToCloseTimeout: '1 minute' });

export async function floorService(steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await emptyStep();
}

export async function floorDeployment(input: FloorInput): Promise<void> {
  const done = new Map<string, Promise<unknown>>();
  for (const service of input.services) {
    const deps = Promise.all(service.dependsOn.map((d) => done.get(d)));
    const workflowId = `${workflowInfo().workflowId}/${service.name}`;
    done.set(service.name, deps.then(() => executeChild(floorService, { workflowId, args: [input.steps] })));
  }
  await Promise.all(done.values());
}
