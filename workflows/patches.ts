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
} as const;
