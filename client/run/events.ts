import { formatDuration } from '../../plan/durations';
import { FINAL_RUN_STATES, type AuditEntry, type GateProgress, type RunProgress, type ServiceProgress, type StepProgress } from '../../workflows/progress';
import { isSettled } from '../../plan/scheduling';
import { approveHint, decideHint, windowWaitLine } from '../../plan/messages';
import { oneLine } from '../render/table';
import { readGate } from './view';

/** One thing that happened in a run, as `watch` prints it on a pipe (one line each). */
export interface WatchEvent {
  kind: 'run' | 'service' | 'step' | 'gate' | 'decision' | 'audit' | 'window';
  runId: string;
  /** Service, `service/step`, or gate id. */
  subject?: string;
  state?: string;
  /** The line a person reads. */
  text: string;
}

/**
 * The events between two snapshots of a run's progress. With no previous snapshot, the current
 * state is told from the start (every service and step that left `pending`), so re-attaching
 * to a run prints the same picture as watching it from its start. A state a snapshot skipped
 * (polling is not a stream) is not invented.
 */
export function diffProgress(prev: RunProgress | undefined, next: RunProgress): WatchEvent[] {
  const events: WatchEvent[] = [];
  const runId = next.runId;
  if (!prev) {
    const count = Object.keys(next.services).length;
    events.push({ kind: 'run', runId, state: next.state, text: `run ${runId} (plan ${next.plan}): ${next.state}, ${count} service${count === 1 ? '' : 's'} in ${next.waves.length} wave${next.waves.length === 1 ? '' : 's'}` });
  }
  // Causes before effects: operator actions and the gate decisions they make, then what the
  // services did, then gates and decisions those changes opened, then the run's state.
  for (const entry of next.audit.slice(prev?.audit.length ?? 0)) events.push(auditEvent(runId, entry));
  const changedGates = next.gates.filter((g) => g.state !== (prev?.gates.find((x) => x.id === g.id)?.state ?? 'waiting'));
  for (const gate of changedGates.filter((g) => g.state !== 'open')) events.push(gateEvent(next, gate));
  for (const name of next.waves.flat()) {
    const now = next.services[name];
    if (now) events.push(...serviceEvents(runId, prev?.services[name], now));
  }
  for (const gate of changedGates.filter((g) => g.state === 'open')) events.push(gateEvent(next, gate));
  if (next.pendingDecision && next.pendingDecision.since !== prev?.pendingDecision?.since) {
    const d = next.pendingDecision;
    events.push({ kind: 'decision', runId, subject: d.service, state: 'pending', text: `decision needed on ${d.service}: ${oneLine(d.error)} — ${decideHint(runId)}` });
  }
  const wait = next.windowWait;
  if (wait && (wait.until !== prev?.windowWait?.until || wait.wave !== prev?.windowWait?.wave)) {
    events.push({ kind: 'window', runId, subject: `wave-${wait.wave}`, state: wait.kind, text: windowWaitLine(wait) });
  }
  // Attaching to a run that already ended still closes with its final line.
  if ((prev && prev.state !== next.state) || (!prev && FINAL_RUN_STATES.includes(next.state))) {
    const ended = next.endedAt ? ` after ${formatDuration(Date.parse(next.endedAt) - Date.parse(next.startedAt))}` : '';
    const why = next.failure && next.state !== 'succeeded' && FINAL_RUN_STATES.includes(next.state) ? `: ${oneLine(next.failure)}` : '';
    events.push({ kind: 'run', runId, state: next.state, text: `run ${runId}: ${next.state}${ended}${why}` });
  }
  return events;
}

function serviceEvents(runId: string, before: ServiceProgress | undefined, now: ServiceProgress): WatchEvent[] {
  const events: WatchEvent[] = [];
  for (const step of now.steps) {
    const was = before?.steps.find((s) => s.name === step.name);
    if (step.state !== (was?.state ?? 'pending')) events.push(stepEvent(runId, now, step));
  }
  if (now.state !== (before?.state ?? 'pending')) {
    const took = now.endedAt && now.startedAt && isSettled(now.state) ? ` in ${formatDuration(Date.parse(now.endedAt) - Date.parse(now.startedAt))}` : '';
    const detail = now.state === 'running' ? ` on ${now.node ?? '?'}` : now.error && now.state !== 'rolled-back' ? `${took}: ${oneLine(now.error)}` : took;
    events.push({ kind: 'service', runId, subject: now.name, state: now.state, text: `[wave ${now.wave}] ${now.name}: ${now.state}${detail}` });
  }
  return events;
}

function stepEvent(runId: string, service: ServiceProgress, step: StepProgress): WatchEvent {
  const subject = `${service.name}/${step.name}`;
  let detail = '';
  if (step.state === 'running') detail = ` on ${step.node ?? service.node ?? '?'}`;
  else if (step.state === 'failed' || step.state === 'skipped') detail = step.error ? `: ${oneLine(step.error)}` : '';
  else if (step.state === 'undo-failed') detail = step.undoError ? `: ${oneLine(step.undoError)}` : '';
  if (step.attempts > 1) detail += ` (attempt ${step.attempts})`;
  // A failure's message already ends with the output.
  if (step.lastLine && (step.state === 'succeeded' || step.state === 'undone')) detail += ` — ${step.lastLine}`;
  return { kind: 'step', runId, subject, state: step.state, text: `[wave ${service.wave}] ${subject}: ${step.state}${detail}` };
}

function gateEvent(run: RunProgress, gate: GateProgress): WatchEvent {
  const reading = readGate(run, gate);
  const partial = reading.approvals && gate.state !== 'approved' ? `, ${reading.approvals}` : '';
  let detail = '';
  if (reading.state === 'undecided') detail = ` — not decided before the run ended${partial}`;
  else if (gate.state === 'open') detail = `${partial} — approve: ${approveHint(run.runId, gate)}`;
  else if (gate.state === 'approved') detail = ` by ${gate.approvals.map((a) => a.approver).join(', ') || gate.decidedBy || '?'}`;
  else if (gate.state === 'rejected') detail = ` by ${gate.decidedBy ?? '?'}${gate.reason ? `: ${oneLine(gate.reason)}` : ''}`;
  else if (gate.reason) detail = `: ${oneLine(gate.reason)}`;
  return { kind: 'gate', runId: run.runId, subject: gate.id, state: gate.state, text: `gate ${gate.id}: ${reading.state}${detail}` };
}

/** One audit entry on one line: who did what to which target, how it arrived, and a refusal's reason. */
export function auditLine(e: AuditEntry): string {
  const target = e.target ? ` ${e.target}` : '';
  const verdict = e.accepted ? '' : ` — refused: ${oneLine(e.reason ?? '?')}`;
  const comment = e.comment ? ` (${oneLine(e.comment)})` : '';
  return `${e.actor}: ${e.action}${target} via ${e.via}${comment}${verdict}`;
}

function auditEvent(runId: string, e: AuditEntry): WatchEvent {
  return { kind: e.action === 'decide' ? 'decision' : 'audit', runId, subject: e.target, state: e.accepted ? 'accepted' : 'refused', text: auditLine(e) };
}

