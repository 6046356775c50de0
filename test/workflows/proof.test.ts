import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { proofWorkflow } from '../../workflows/proof';
import { createNodeWorker } from '../../workers/node-worker';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker';
import { createLogger } from '../../workers/logger';
import { DEFAULT_NODES } from '../../plan/defaults';
import { ORCHESTRATOR_TASK_QUEUE, nodeTaskQueue } from '../../plan/task-queues';
import { startDevServer, uniqueSuffix, workflowBundle } from '../helpers/temporal-env';

const NODES = DEFAULT_NODES.map((n) => n.name);

describe('routing by node task queue (real dev server)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startDevServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs each activity on the worker polling that node queue', async () => {
    const logger = createLogger({ level: 'warn', pretty: false });
    const connection = env.nativeConnection;
    const nodeWorkers: Worker[] = await Promise.all(
      NODES.map((node) => createNodeWorker({ connection, namespace: 'default', node, logger })),
    );
    const orchestrator = await createOrchestratorWorker({ connection, namespace: 'default', workflowBundle: await workflowBundle() });
    const all = [orchestrator, ...nodeWorkers];
    const run = async () =>
      env.client.workflow.execute(proofWorkflow, {
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        workflowId: uniqueSuffix('proof'),
        args: [['macpro51', 'macbook-air']],
      });
    // Nest runUntil so every worker polls while the workflow runs.
    const result = await all.reduce<() => Promise<Awaited<ReturnType<typeof run>>>>((inner, worker) => () => worker.runUntil(inner), run)();

    expect(result).toEqual([
      expect.objectContaining({ node: 'macpro51', taskQueue: nodeTaskQueue('macpro51') }),
      expect.objectContaining({ node: 'macbook-air', taskQueue: nodeTaskQueue('macbook-air') }),
    ]);
  });
});
