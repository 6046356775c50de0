/**
 * Patch ids of workflow changes released while runs could be in flight (`patched(id)`), one
 * place so their life — patched → deprecatePatch → removed — is easy to follow. Each released
 * shape keeps a replay test over a recorded history (test/histories/).
 */
export const PATCHES = {
  /** A run paused on the failure of its last unsettled service waits for `decide` instead of ending `failed`. */
  waitForDecisionWhenSettled: 'wait-for-decision-when-settled',
  /** A service started after a node was found down in this run tries that node last. */
  avoidKnownDownNodes: 'avoid-known-down-nodes',
  /** A pause or resume signal with a malformed payload is refused (recorded) instead of obeyed. */
  refuseMalformedPause: 'refuse-malformed-pause',
  /**
   * A cancelled service child ends with a ServiceCancelled failure carrying its ServiceResult (the
   * steps that ran, the undos that failed) instead of a bare cancellation that carries nothing.
   */
  cancelledChildReports: 'cancelled-child-reports',
  /** The parent records the undo failures a failed or cancelled child reports, and the run ends rollback-incomplete. */
  recordChildUndoFailures: 'record-child-undo-failures',
  /** Undo children key their commands `<run>/<service>/<step>/undo`, not from their own workflow id. */
  identityIdempotencyKeys: 'identity-idempotency-keys',
  /** A run whose history passes HISTORY_STOP_BYTES stops and rolls back (workflows/history-guard.ts). */
  stopBeforeHistoryLimit: 'stop-before-history-limit',
  /** --auto-approve approves a gate only where the plan's approval policy lets the starter alone approve it; otherwise the gate waits. */
  autoApprovePolicy: 'auto-approve-policy',
  /**
   * A step nobody took within nodeTimeout asks the node's liveness worker before the node counts as
   * down; a node that answers is busy (its slots full) and the step waits for a slot.
   */
  busyNodeNotDown: 'busy-node-not-down',
  /** Plans with `notify:` start a notification child (workflows/notifier.ts) on gates, decisions, rollbacks and the end. */
  notifications: 'notifications',
  /** A service whose metric check ended inconclusive under `inconclusive: pause` waits for a decision instead of applying onFailure. */
  inconclusivePauses: 'inconclusive-pauses',
  /** New waves start only inside the plan's deploy windows and outside its freezes. */
  deployWindows: 'deploy-windows',
  /** Live changes (`maestro tune`): maxParallel, excluded nodes and a pause after a wave, from an accepted `tune` update on. */
  liveTuning: 'live-tuning',
  /** Services with `analysis:` start their background checks when they succeed; a failing one triggers onFailure. */
  backgroundChecks: 'background-checks',
  /** A signed run with approval keys refuses (and records) an abort that is not signed by one of them. */
  signedAbort: 'signed-abort',
  /** A signed run with approval keys takes tune and override-freeze updates only when signed by one of them; others are recorded as refused. */
  signedLiveChanges: 'signed-live-changes',
} as const;
