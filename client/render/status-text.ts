import { approveHint, decideHint, windowWaitLine } from '../../plan/messages';
import { tuningLine } from '../../plan/tuning';
import { analysisLabel, decisionSubject } from '../../plan/analysis';
import type { AnalysisProgress, RunProgress, ServiceProgress } from '../../workflows/progress';
import { auditLine } from '../run/events';
import { readGate, runEnded, shownWave, signatureLine } from '../run/view';

const duration = (from?: string, to?: string): string => {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  return ms < 1000 ? `${ms}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
};

function serviceLine(s: ServiceProgress): string {
  const step = s.currentStep ? ` step ${s.currentStep}` : '';
  const last = s.steps.find((x) => x.name === s.currentStep)?.lastLine ?? s.steps.filter((x) => x.lastLine).pop()?.lastLine;
  const parts = [`  ${s.name.padEnd(24)} ${s.state.padEnd(17)} ${(s.node ?? '-').padEnd(12)} ${duration(s.startedAt, s.endedAt).padStart(7)}${step}`];
  if (s.error) parts.push(`      error: ${s.error}`);
  else if (last) parts.push(`      ${last}`);
  return parts.join('\n');
}

function analysisLines(a: AnalysisProgress): string {
  const until = a.endsAt ? `window until ${a.endsAt.slice(11, 19)}Z` : 'until the run ends';
  const parts = [`  ${analysisLabel(a.service, a.name).padEnd(24)} ${a.state.padEnd(17)} ${(a.node ?? '-').padEnd(12)} ${duration(a.startedAt, a.endedAt).padStart(7)} ${until}`];
  if (a.query !== undefined) parts.push(`      query ${a.query} (${a.condition ?? ''})${a.lastValues ? ` last values [${a.lastValues.join(', ')}]` : ''}`);
  if (a.error) parts.push(`      error: ${a.error}`);
  else if (a.lastObservation) parts.push(`      ${a.lastObservation}`);
  return parts.join('\n');
}

/** The human view of `maestro status`. */
export function renderStatus(p: RunProgress): string {
  const lines = [`run ${p.runId} (plan ${p.plan}): ${p.state} — wave ${shownWave(p)}/${p.waves.length}, ${duration(p.startedAt, p.endedAt)}`, signatureLine(p.signed)];
  p.waves.forEach((wave, i) => {
    lines.push(`wave ${i + 1}`);
    for (const name of wave) lines.push(serviceLine(p.services[name]!));
  });
  if (p.analyses?.length) {
    lines.push('background checks');
    for (const a of p.analyses) lines.push(analysisLines(a));
  }
  for (const g of p.gates.filter((x) => x.state !== 'waiting')) {
    const gate = readGate(p, g);
    const state = gate.state === 'undecided' ? 'not decided before the run ended' : gate.state;
    lines.push(`gate ${g.id}: ${state}${gate.approvals ? ` (${gate.approvals})` : ''}${g.reason ? ` — ${g.reason}` : ''}`);
    if (gate.answerable) lines.push(`  approve: ${approveHint(p.runId, g)}`);
  }
  if (p.windowWait && !runEnded(p)) lines.push(windowWaitLine(p.windowWait));
  const tuned = tuningLine(p.tuning);
  if (tuned) lines.push(tuned);
  if (p.pendingDecision && !runEnded(p)) lines.push(`decision pending on ${decisionSubject(p.pendingDecision)}: ${decideHint(p.runId)}`);
  if (p.failure) lines.push(`failure: ${p.failure}`);
  for (const f of p.rollbackFailures) lines.push(`NOT UNDONE: ${f.service}/${f.step}: ${f.error}`);
  if (p.audit.length || p.refusedNotRecorded) {
    lines.push('audit trail');
    for (const e of p.audit) lines.push(`  ${e.at.slice(0, 19).replace('T', ' ')}Z  ${auditLine(e)}`);
    if (p.refusedNotRecorded) lines.push(`  … and ${p.refusedNotRecorded} more refused messages, counted, not kept`);
  }
  return lines.join('\n');
}

/** What `run --wait` prints at the end. */
export function renderOutcome(p: RunProgress): string {
  return renderStatus(p);
}
