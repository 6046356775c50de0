import { formatDuration } from '../../plan/durations';
import type { DoraReport } from '../run/dora';
import type { RunReport } from '../run/report';
import { oneLine } from './table';

const d = (ms?: number): string => (ms === undefined ? '–' : formatDuration(ms));
const cell = (text: string | undefined): string => oneLine(text ?? '').replace(/\|/g, '\\|');

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** The completion report as Markdown (`maestro report <id>`). */
export function renderRunReport(r: RunReport): string {
  const out = [`# Run ${r.runId} — ${r.state}`, ''];
  out.push(`- plan: **${r.plan}**, started by ${r.startedBy ?? 'unknown'} at ${r.startedAt}${r.endedAt ? `, ended ${r.endedAt}` : ' (still going)'}`);
  out.push(`- ${r.signature}`);
  out.push(`- duration (makespan): **${d(r.durationMs)}**`);
  if (r.failure) out.push(`- failure: ${oneLine(r.failure)}`);
  if (r.criticalPath) {
    const cp = r.criticalPath;
    out.push(`- critical path (planned): ${cp.planned.services.join(' → ')} — estimate ${d(cp.planned.estimateMs)}`);
    out.push(`- critical path (actual): ${cp.actual.services.join(' → ')} — ${d(cp.actual.ms)}${cp.makespanRatio !== undefined ? `; makespan is ${cp.makespanRatio}× the planned estimate` : ''}`);
  }
  out.push(`- attempts: ${r.attempts.total}${r.attempts.retried.length ? ` (retried: ${r.attempts.retried.map((x) => `${x.service}/${x.step} ×${x.attempts}`).join(', ')})` : ''}`);
  out.push('', '## Waves', '', ...table(['wave', 'services', 'duration'], r.waves.map((w) => [String(w.wave), w.services.join(', '), d(w.durationMs)])));
  out.push(
    '',
    '## Services',
    '',
    ...table(
      ['service', 'wave', 'node', 'outcome', 'duration', 'attempts', 'error'],
      r.services.map((s) => [s.name, String(s.wave), s.node ?? '–', s.outcome, d(s.durationMs), String(s.attempts), s.error ?? '']),
    ),
  );
  if (r.rollbacks.services.length || r.rollbacks.failures.length) {
    out.push('', '## Rollbacks', '');
    if (r.rollbacks.services.length) out.push(`- rolled back: ${r.rollbacks.services.join(', ')}`);
    if (r.rollbacks.undoneSteps.length) out.push(`- steps undone: ${r.rollbacks.undoneSteps.join(', ')}`);
    for (const f of r.rollbacks.failures) out.push(`- **NOT UNDONE** ${f.service}/${f.step}: ${f.error}`);
  }
  if (r.approvals.length) {
    out.push(
      '',
      '## Approvals',
      '',
      ...table(
        ['gate', 'state', 'by', 'waited', 'comment / reason'],
        r.approvals.map((a) => [a.gate, a.state, a.approvals.map((x) => x.approver).join(', ') || a.decidedBy || '–', d(a.waitedMs), a.reason ?? a.approvals.map((x) => x.comment).filter(Boolean).join('; ')]),
      ),
    );
  }
  if (r.analyses?.length) {
    out.push(
      '',
      '## Background checks',
      '',
      ...table(
        ['check', 'state', 'node', 'probes', 'query', 'last values', 'last observation / error'],
        r.analyses.map((a) => [`${a.service}/${a.name}`, a.state, a.node ?? '–', String(a.probes ?? '–'), a.query ? `${a.query} (${a.condition ?? ''})` : a.kind, a.lastValues ? a.lastValues.join(', ') : '–', oneLine(a.error ?? a.lastObservation ?? '')]),
      ),
    );
  }
  if (r.audit.length) {
    out.push('', '## Audit trail', '', ...table(['at', 'who', 'action', 'target', 'via', 'accepted', 'note'], r.audit.map((e) => [e.at, e.actor, e.action, e.target ?? '', e.via, e.accepted ? 'yes' : 'no', e.reason ?? e.comment ?? ''])));
  }
  return out.join('\n');
}

const pct = (x?: number) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);

/** The delivery figures as Markdown (`maestro report --since`). */
export function renderDoraReport(r: DoraReport): string {
  const out = [`# Delivery since ${r.since}${r.plan ? ` — plan ${r.plan}` : ''}`, ''];
  out.push(
    ...table(
      ['figure', 'value', 'from'],
      [
        ['deployment frequency', `${r.deploymentFrequency.perDay.toFixed(2)}/day (${r.deploymentFrequency.perWeek.toFixed(1)}/week)`, `${r.deploymentFrequency.deployments} succeeded runs in ${r.days.toFixed(1)} days`],
        ['lead time (median)', d(r.leadTime.medianMs), `p90 ${d(r.leadTime.p90Ms)} over ${r.leadTime.samples} succeeded runs`],
        ['change failure rate', pct(r.changeFailureRate), `${r.runs.failed} failed of ${r.runs.succeeded + r.runs.failed} finished deployments`],
        ['time to restore (median)', d(r.timeToRestore.medianMs), `${r.timeToRestore.restored} restored, ${r.timeToRestore.unrestored} not yet`],
      ],
    ),
  );
  out.push('', `Runs: ${r.runs.total} (${r.runs.succeeded} succeeded, ${r.runs.failed} failed, ${r.runs.excluded} aborted or stopped, ${r.runs.open} still open). Definitions: docs/operations.md.`);
  return out.join('\n');
}
