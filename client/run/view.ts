import { FINAL_RUN_STATES, type GateProgress, type RunProgress } from '../../workflows/progress';

/**
 * What a run's progress means to a reader, as `status`, `watch` and the live view show it: the
 * progress record is the workflow's, these are the readings every view shares.
 */

export const runEnded = (p: Pick<RunProgress, 'state'>): boolean => FINAL_RUN_STATES.includes(p.state);

/**
 * The wave to show. An open run is on its first unsettled wave (the record's `currentWave`); an
 * ended run shows the last wave it reached — where a service started or a gate opened — because
 * the services skipped when it stopped move `currentWave` past waves that never ran.
 */
export function shownWave(p: Pick<RunProgress, 'state' | 'currentWave' | 'waves' | 'services' | 'gates'>): number {
  if (!runEnded(p)) return Math.min(p.currentWave, p.waves.length);
  const reached = [
    ...Object.values(p.services).filter((s) => s.startedAt).map((s) => s.wave),
    ...p.gates.filter((g) => g.openedAt).map((g) => g.wave ?? p.services[g.service ?? '']?.wave ?? 0),
  ];
  return Math.max(reached.length ? 1 : 0, ...reached);
}

/** How a gate reads: its state (an open gate of an ended run was never decided), its approvals, whether it can still be answered. */
export interface GateReading {
  /** `open`, `approved`, `rejected`, `timed-out`, `waiting`, or `undecided` (open when the run ended). */
  state: GateProgress['state'] | 'undecided';
  /** `1 of 2 approvals (ops-lead)`, `approved by ops-lead, dba`, or empty. */
  approvals: string;
  /** An approve command applies: the gate is open and the run goes on. */
  answerable: boolean;
}

export function readGate(p: Pick<RunProgress, 'state'>, g: GateProgress): GateReading {
  const ended = runEnded(p);
  const state = g.state === 'open' && ended ? 'undecided' : g.state;
  const names = g.approvals.map((a) => a.approver).join(', ');
  let approvals = '';
  if (g.state === 'approved' && g.approvals.length >= g.minApprovals) approvals = names ? `approved by ${names}` : '';
  else if (g.approvals.length > 0 || (g.state === 'open' && g.minApprovals > 1)) approvals = `${g.approvals.length} of ${g.minApprovals} approvals${names ? `: ${names}` : ''}`;
  return { state, approvals, answerable: g.state === 'open' && !ended };
}

/** A progress record as a reader should take it: an open gate of an ended run is `undecided`. */
export type ReadProgress = Omit<RunProgress, 'gates'> & { gates: (Omit<GateProgress, 'state'> & { state: GateReading['state'] })[] };

export function readableProgress(p: RunProgress): ReadProgress {
  return { ...p, gates: p.gates.map((g) => ({ ...g, state: readGate(p, g).state })) };
}

/**
 * Who signed the run, as status, report and the live line say it: the signer's name (when its key
 * is one of the run's approval keys) and the key's fingerprint, or that the run is unsigned.
 */
export function signatureLine(signed: RunProgress['signed']): string {
  if (!signed) return 'unsigned (node workers with a trust file refuse its steps)';
  const who = signed.signer ? `${signed.signer} (${signed.fingerprint ?? 'key unknown'})` : (signed.fingerprint ?? 'an unreadable key');
  return `signed by ${who}, valid until ${signed.expiresAt}${signed.approvalKeys.length ? `; answers signed by ${signed.approvalKeys.join(', ')}` : ''}`;
}
