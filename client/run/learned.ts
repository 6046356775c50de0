import type { Client } from '@temporalio/client';
import type { deploymentWorkflow } from '../../workflows/deployment';
import { progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { finalProgress } from './progress';

/**
 * The progress of a plan's latest succeeded runs, newest first: from each run's final record
 * (one history event, no worker), else — a run older than the record — its `progress` query.
 * What the duration model learns from (`simulate`, the ETA of `watch`).
 */
export async function pastRunProgress(client: Client, plan: string, limit: number): Promise<RunProgress[]> {
  if (/['"\\]/.test(plan)) return [];
  const query = `WorkflowType = 'deploymentWorkflow' AND ${SEARCH_ATTRIBUTES.plan.name} = '${plan}' AND ExecutionStatus = 'Completed'`;
  const found: Array<{ workflowId: string; runId: string }> = [];
  for await (const info of client.workflow.list({ query, pageSize: limit })) {
    found.push(info);
    if (found.length >= limit) break;
  }
  // Read together: one round trip each, and at most `limit` of them.
  return Promise.all(
    found.map(async (info) => {
      const handle = client.workflow.getHandle<typeof deploymentWorkflow>(info.workflowId, info.runId);
      return (await finalProgress(handle)) ?? (await handle.query(progressQuery));
    }),
  );
}
