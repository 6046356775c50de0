import { formatDuration } from '../../plan/durations';
import { analysisLabel, decisionSubject } from '../../plan/analysis';
import { approveHint, decideHint, windowWaitLine } from '../../plan/messages';
import { tuningLine } from '../../plan/tuning';
import type { RunProgress, ServiceProgress } from '../../workflows/progress';
import type { RunEta } from '../run/eta';
import { readGate, runEnded, shownWave } from '../run/view';
import { oneLine } from './table';

const MARK: Record<string, string> = {
  pending: '·',
  'awaiting-approval': '‖',
  running: '▶',
  succeeded: '✔',
  failed: '✖',
  skipped: '−',
  cancelled: '−',
  'rolling-back': '↺',
  'rolled-back': '↺',
  'rollback-failed': '‼',
};

export function elapsed(from?: string, to?: string, nowMs = Date.now()): string {
  return from ? formatDuration((to ? Date.parse(to) : nowMs) - Date.parse(from)) : '';
}

/** The step a service is on (or ended on), and its last output line. */
function stepInfo(s: ServiceProgress): { step: string; attempts: string; last: string } {
  const current = s.steps.find((x) => x.name === s.currentStep) ?? [...s.steps].reverse().find((x) => x.state !== 'pending');
  const last = s.error ?? current?.lastLine ?? [...s.steps].reverse().find((x) => x.lastLine)?.lastLine ?? '';
  return { step: current?.name ?? '-', attempts: current && current.attempts > 0 ? `×${current.attempts}` : '', last };
}

/** One line per service: state, node, current step, attempts, elapsed, last output line. */
export function serviceLine(s: ServiceProgress, nowMs = Date.now()): string {
  const { step, attempts, last } = stepInfo(s);
  const cells = [
    `  ${MARK[s.state] ?? ' '} ${s.name.padEnd(20)}`,
    s.state.padEnd(17),
    (s.node ?? '-').padEnd(12),
    step.padEnd(14),
    attempts.padEnd(3),
    elapsed(s.startedAt, s.endedAt, nowMs).padStart(7),
  ];
  return `${cells.join(' ')}  ${oneLine(last)}`.trimEnd();
}

/** The live view's text lines, top to bottom (the progress bar is drawn below them). */
export function liveLines(p: RunProgress, nowMs = Date.now()): string[] {
  const lines = [`run ${p.runId} (plan ${p.plan}) — ${p.state}, wave ${shownWave(p)}/${p.waves.length}, ${elapsed(p.startedAt, p.endedAt, nowMs)}`];
  p.waves.forEach((wave, i) => {
    const gate = p.gates.find((g) => g.wave === i + 1);
    lines.push(`wave ${i + 1}${gate ? `  [gate ${readGate(p, gate).state}]` : ''}`);
    for (const name of wave) {
      const s = p.services[name];
      if (s) lines.push(serviceLine(s, nowMs));
    }
  });
  for (const g of p.gates.filter((x) => x.state === 'open')) {
    const gate = readGate(p, g);
    const count = gate.approvals ? `, ${gate.approvals}` : '';
    if (!gate.answerable) {
      lines.push(`gate ${g.id} not decided before the run ended${count}`);
      continue;
    }
    const due = g.deadline ? `, times out (${g.onTimeout}) in ${elapsed(new Date(nowMs).toISOString(), g.deadline)}` : '';
    lines.push(`gate ${g.id} open${count}${due} — ${approveHint(p.runId, g)}`);
  }
  if (p.windowWait && !runEnded(p)) lines.push(windowWaitLine(p.windowWait));
  const tuned = tuningLine(p.tuning);
  if (tuned && !runEnded(p)) lines.push(tuned);
  for (const a of p.analyses ?? []) {
    if (a.state === 'running' || !runEnded(p)) lines.push(`background check ${analysisLabel(a.service, a.name)} ${a.state}${a.lastObservation ? `: ${oneLine(a.lastObservation)}` : a.query ? `: ${oneLine(a.query)}` : ''}`);
  }
  if (p.pendingDecision && !runEnded(p)) lines.push(`decision needed on ${decisionSubject(p.pendingDecision)} (${oneLine(p.pendingDecision.error)}): ${decideHint(p.runId)}`);
  if (p.failure) lines.push(`failure: ${oneLine(p.failure)}`);
  return lines;
}

/** The text after the progress bar. */
export function etaText(p: RunProgress, eta: RunEta | undefined): string {
  if (!eta) return '';
  const path = eta.criticalPath.length ? ` | critical path ${eta.criticalPath.join(' → ')} (${formatDuration(eta.criticalPathMs)})` : '';
  const when = p.state === 'rolling-back' ? 'rolling back' : p.endedAt ? (p.state === 'succeeded' ? 'done' : p.state) : eta.remainingMs > 0 ? `ETA ${formatDuration(eta.remainingMs)}` : 'ETA: past the estimates';
  return `${eta.settled}/${eta.total} services | ${when}${path}`;
}
