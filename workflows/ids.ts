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

/**
 * `<run id>/<service>/<step>` for a step, `…/undo` for its undo (docs/guarantees.md): from the
 * step's identity alone, so it is the same whichever workflow runs the command (the service child,
 * or the undo child of a cross-service rollback), on every retry and re-route.
 */
export function idempotencyKey(id: { runId: string; service: string; step: string; phase: 'do' | 'undo' }): string {
  const root = `${serviceWorkflowId(id.runId, id.service)}/${id.step}`;
  return id.phase === 'do' ? root : `${root}/undo`;
}

/** The key undo children derived before identity keys, from their own workflow id; kept for runs in flight. */
export function legacyUndoKey(undoWorkflowId: string, step: string): string {
  return `${undoWorkflowId}/${step}/undo`;
}

/**
 * A notification's child: `<run id>/@notify/<execution>/<n>-<event>`. "@" is in no service name,
 * and the execution's run id keeps a run started again under the same id clear of the children
 * (still retrying) of the run before.
 */
export function notifyWorkflowId(runId: string, executionRunId: string, n: number, event: string): string {
  return `${runId}/@notify/${executionRunId}/${n}-${event}`;
}

/** What every activity id of a background check starts with: `analysis:<service>/<name>#`, then the how-manieth start. */
export function analysisActivityPrefix(service: string, name: string): string {
  return `analysis:${service}/${name}#`;
}
