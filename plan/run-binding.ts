/**
 * Which workflows may run a signed service's steps: its service child and its undo child. The ids
 * are built in workflows/ids.ts; this is the same rule as a predicate a node can check (activities
 * may not import workflows/), and a unit test holds the two together.
 */
export function workflowRunsService(workflowId: string, runId: string, service: string): boolean {
  const base = `${runId}/${service}`;
  return workflowId === base || workflowId === `${base}/undo`;
}

/** Which workflow may run a signed service's background checks: the run's own (its id is the run id). */
export function workflowWatchesService(workflowId: string, runId: string, _service: string): boolean {
  return workflowId === runId;
}
