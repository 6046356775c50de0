/** Workflow ids, built in one place: the run id is the deployment workflow's id (and its lock). */

/** A run id derives from the plan name unless the operator gives one. */
export function deploymentWorkflowId(planName: string, id?: string): string {
  return id ?? planName;
}

export function serviceWorkflowId(runId: string, service: string): string {
  return `${runId}/${service}`;
}

/** The child that undoes a succeeded service during a cross-service rollback. */
export function serviceUndoWorkflowId(runId: string, service: string): string {
  return `${runId}/${service}/undo`;
}

/** Stable across retries and re-routes of the same step in the same run. */
export function idempotencyKey(serviceWorkflowId: string, step: string, phase: 'do' | 'undo'): string {
  return phase === 'do' ? `${serviceWorkflowId}/${step}` : `${serviceWorkflowId}/${step}/undo`;
}
