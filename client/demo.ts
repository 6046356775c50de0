import { Client, Connection } from '@temporalio/client';
import type { ConnectionSettings } from './connection';
import type { Output } from './output';
import { proofWorkflow, proofWorkflowId } from '../workflows/proof';
import { ORCHESTRATOR_TASK_QUEUE } from '../plan/task-queues';

export interface DemoOptions {
  connection: ConnectionSettings;
  uiUrl?: string;
  output: Output;
}

/** Starts the demo run in the background and reports where to watch it and how it ended. */
export async function startDemo(options: DemoOptions): Promise<void> {
  const connection = await Connection.connect({ address: options.connection.address });
  const client = new Client({ connection, namespace: options.connection.namespace });
  const workflowId = proofWorkflowId(new Date().toISOString().replace(/[:.]/g, '-'));
  const handle = await client.workflow.start(proofWorkflow, {
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    workflowId,
    args: [['mac-studio', 'macbook-air', 'macpro51']],
    staticSummary: 'Demo: ask every node worker who it is',
  });
  if (options.uiUrl) options.output.out(`Demo run:        ${options.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  // Not awaited by the caller's workers: report the outcome when it lands.
  void handle
    .result()
    .then((result) => options.output.out(`Demo finished: ${result.map((r) => `${r.node} ✓`).join('  ')}`))
    .catch((err: Error) => options.output.err(`Demo failed: ${err.message}`))
    .finally(() => void connection.close());
}
