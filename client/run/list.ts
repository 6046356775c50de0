import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { FINAL_RUN_STATES, RUN_STATES, type RunOutcome, type RunState } from '../../workflows/progress';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { InvalidInputError } from '../errors';
import { awaitOutcome } from './handle';

/** States of runs that Temporal ended without the workflow naming one. */
export const CLOSED_ONLY_STATES = ['terminated', 'timed-out', 'cancelled'] as const;
export const LISTED_STATES = [...RUN_STATES, ...CLOSED_ONLY_STATES] as const;
export type ListedState = (typeof LISTED_STATES)[number];

/** One run as visibility knows it. */
export interface RunSummary {
  /** The run id (workflow id). */
  runId: string;
  /** Temporal's id of this execution: a run id can be reused once its run has ended. */
  execution: string;
  plan?: string;
  state: ListedState;
  /** Temporal's execution status, e.g. RUNNING, COMPLETED, FAILED. */
  status: string;
  startedAt: string;
  closedAt?: string;
  durationMs?: number;
  /** The wave being worked on (last known). */
  wave?: number;
  services?: string[];
}

export interface RunFilter {
  state?: ListedState;
  plan?: string;
  /** Runs started at or after this. */
  since?: Date;
  /** Leave out runs of these plans (e.g. `maestro exec`'s). */
  excludePlans?: readonly string[];
}

const literal = (value: string): string => {
  if (/['"\\]/.test(value)) throw new InvalidInputError(`"${value}" cannot be searched for: quotes and backslashes are not allowed`);
  return `'${value}'`;
};

/** The visibility query of a filter. Closed runs' states are settled client-side (see `resolveState`). */
export function visibilityQuery(filter: RunFilter): string {
  const parts = [`WorkflowType = 'deploymentWorkflow'`];
  if (filter.plan) parts.push(`${SEARCH_ATTRIBUTES.plan.name} = ${literal(filter.plan)}`);
  for (const plan of filter.excludePlans ?? []) parts.push(`${SEARCH_ATTRIBUTES.plan.name} != ${literal(plan)}`);
  if (filter.since) parts.push(`StartTime >= '${filter.since.toISOString()}'`);
  const state = filter.state;
  if (state === 'succeeded') parts.push(`ExecutionStatus = 'Completed'`);
  else if (state === 'terminated') parts.push(`ExecutionStatus = 'Terminated'`);
  else if (state === 'timed-out') parts.push(`ExecutionStatus = 'TimedOut'`);
  else if (state === 'cancelled') parts.push(`ExecutionStatus = 'Canceled'`);
  else if (state && FINAL_RUN_STATES.includes(state)) parts.push(`ExecutionStatus = 'Failed'`);
  else if (state) parts.push(`ExecutionStatus = 'Running' AND ${SEARCH_ATTRIBUTES.state.name} = ${literal(state)}`);
  return parts.join(' AND ');
}

/** Runs matching `filter`, newest first; at most `limit`. */
export async function listRuns(client: Client, filter: RunFilter, limit = Infinity): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  for await (const info of client.workflow.list({ query: visibilityQuery(filter), pageSize: Math.min(1000, limit) })) {
    const run = await summarize(client, info);
    if (!filter.state || run.state === filter.state) runs.push(run);
    if (runs.length >= limit) break;
  }
  return runs;
}

async function summarize(client: Client, info: WorkflowExecutionInfo): Promise<RunSummary> {
  const attrs = info.typedSearchAttributes;
  const startedAt = info.startTime.toISOString();
  const closedAt = info.closeTime?.toISOString();
  return {
    runId: info.workflowId,
    execution: info.runId,
    plan: attrs.get(SEARCH_ATTRIBUTES.plan),
    state: await resolveState(client, info),
    status: info.status.name,
    startedAt,
    closedAt,
    durationMs: info.closeTime ? info.closeTime.getTime() - info.startTime.getTime() : undefined,
    wave: attrs.get(SEARCH_ATTRIBUTES.wave),
    services: attrs.get(SEARCH_ATTRIBUTES.services),
  };
}

/**
 * A run's state. Open runs: the MaestroState attribute. Closed ones: a completed run succeeded;
 * a failed one says how in MaestroState when the workflow recorded its final state there, else
 * its outcome is read from the close event (one history call).
 */
export async function resolveState(client: Client, info: WorkflowExecutionInfo): Promise<ListedState> {
  const recorded = info.typedSearchAttributes.get(SEARCH_ATTRIBUTES.state) as RunState | undefined;
  switch (info.status.name) {
    case 'RUNNING':
      return recorded && (RUN_STATES as readonly string[]).includes(recorded) ? recorded : 'running';
    case 'COMPLETED':
      return 'succeeded';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed-out';
    case 'CANCELLED':
      return 'cancelled';
  }
  if (recorded && FINAL_RUN_STATES.includes(recorded) && recorded !== 'succeeded') return recorded;
  try {
    const outcome: RunOutcome = await awaitOutcome(client.workflow.getHandle(info.workflowId, info.runId));
    return outcome.state;
  } catch {
    return 'failed';
  }
}

export function parseState(text: string): ListedState {
  if ((LISTED_STATES as readonly string[]).includes(text)) return text as ListedState;
  throw new InvalidInputError(`unknown state "${text}"`, `Use one of: ${LISTED_STATES.join(', ')}.`);
}
