import { userInfo } from 'node:os';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ORCHESTRATOR_TASK_QUEUE } from '../../plan/task-queues';
import type { deploymentWorkflow } from '../../workflows/deployment';
import { deploymentWorkflowId } from '../../workflows/ids';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { connectClient, type ConnectionSettings } from '../connection';
import { RefusedError } from '../errors';
import { EXIT } from '../exit-codes';
import { loadPlan } from '../load-plan';
import type { Output } from '../output';
import { awaitOutcome, fetchProgress } from '../run-handle';
import { renderOutcome } from '../render/status-text';

export interface RunOptions {
  output: Output;
  connection: ConnectionSettings;
  /** Plan file. */
  file: string;
  clusterFile?: string;
  /** Run id. Default: the plan name. */
  id?: string;
  /** Wait for the outcome: exit 0 on success, 1 otherwise. */
  wait?: boolean;
  /** Approve every gate as the operator running this command. */
  autoApprove?: boolean;
  /** Operator name recorded as the starter. Default: the OS user. */
  as?: string;
  json?: boolean;
}

/** `maestro run`: validates locally, then starts the run; the run id is the deployment lock. */
export async function runCommand(options: RunOptions): Promise<number> {
  const plan = await loadPlan(options.file, { clusterFile: options.clusterFile });
  const client = await connectClient(options.connection);
  try {
    const runId = deploymentWorkflowId(plan.name, options.id);
    const startedBy = options.as ?? userInfo().username;
    let handle;
    try {
      handle = await client.workflow.start<typeof deploymentWorkflow>('deploymentWorkflow', {
        workflowId: runId,
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        args: [{ runId, plan, startedBy, autoApprove: options.autoApprove }],
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.plan, value: plan.name },
          { key: SEARCH_ATTRIBUTES.state, value: 'running' },
          { key: SEARCH_ATTRIBUTES.wave, value: 1 },
          { key: SEARCH_ATTRIBUTES.services, value: plan.services.map((s) => s.name) },
        ],
        staticSummary: `${plan.name}: ${plan.services.length} services, ${plan.strategy.mode} mode, onFailure ${plan.strategy.onFailure}`,
        staticDetails: `Plan \`${plan.source}\`, started by ${startedBy}.`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new RefusedError(`run "${runId}" is already open`, `Follow it with \`maestro watch ${runId}\`, abort it with \`maestro abort ${runId}\`, or start another with --id.`);
      }
      throw err;
    }
    if (!options.wait) {
      options.output.out(options.json ? JSON.stringify({ runId, started: true, startedBy }) : `started run ${runId} (${plan.services.length} services); follow it with: maestro watch ${runId}`);
      return EXIT.ok;
    }
    const outcome = await awaitOutcome(handle);
    const progress = await fetchProgress(client, handle);
    options.output.out(options.json ? JSON.stringify({ ...outcome, progress }, null, 2) : renderOutcome(progress));
    return outcome.state === 'succeeded' ? EXIT.ok : EXIT.runFailed;
  } finally {
    await client.connection.close();
  }
}
