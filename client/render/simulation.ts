import { formatDuration } from '../../plan/durations';
import type { Prediction } from '../simulate/prediction';
import { renderTable } from './table';

const at = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));

/** The prediction as text: summary, timeline by wave and service, gates, undo order, end state. */
export function renderPredictionTable(p: Prediction): string {
  const lines: string[] = [];
  lines.push(`${p.plan}: predicted ${p.state}${p.failure ? ` (${p.failure})` : ''}`);
  lines.push(`makespan: ${formatDuration(p.makespan.p50)} at p50, ${formatDuration(p.makespan.p90)} at p90`);
  lines.push(`step durations: ${p.durations.learned} learned from past runs, ${p.durations.plan} from the plan`);
  lines.push(`critical path: ${p.criticalPath.services.join(' → ') || '—'} (${formatDuration(p.criticalPath.ms)})`);
  lines.push('');
  const rows = p.waves.flatMap((w) =>
    w.services.map((s) => [
      String(w.wave),
      s.name,
      s.node ?? '—',
      at(s.startMs),
      at(s.endMs),
      s.startMs !== undefined && s.endMs !== undefined ? formatDuration(s.endMs - s.startMs) : '—',
      s.state,
    ]),
  );
  lines.push(renderTable(['WAVE', 'SERVICE', 'NODE', 'START', 'END', 'TOOK', 'STATE'], rows));
  if (p.gates.length) {
    lines.push('', 'gates:');
    for (const g of p.gates) lines.push(`  ${g.id}: ${g.state}${g.openedAtMs !== undefined ? `, opened at ${at(g.openedAtMs)}, waited ${formatDuration(g.waitMs)}` : ''}`);
  }
  if (p.injected.length) {
    lines.push('', `injected: ${p.injected.map((f) => `${f.service}/${f.step}${f.throughAttempt ? `@${f.throughAttempt}` : ''}`).join(', ')}`);
    lines.push(p.undo.length ? 'undo order:' : 'undo order: nothing to undo');
    p.undo.forEach((u, i) => lines.push(`  ${i + 1}. ${u.service}/${u.step} on ${u.node} at ${at(u.startMs)}${u.outcome === 'succeeded' ? '' : ` (${u.outcome})`}`));
    lines.push(`end state: ${p.state}; ${Object.entries(p.endState).map(([s, st]) => `${s} ${st}`).join(', ')}`);
  }
  return lines.join('\n');
}

/** The p50 timeline as a Mermaid Gantt chart: a section per wave, the critical path marked. */
export function renderPredictionMermaid(p: Prediction): string {
  const critical = new Set(p.criticalPath.services);
  const lines = ['gantt', `  title ${p.plan} (simulated, p50 makespan ${formatDuration(p.makespan.p50)})`, '  dateFormat x', '  axisFormat %H:%M:%S'];
  for (const w of p.waves) {
    lines.push(`  section wave ${w.wave}`);
    for (const s of w.services) {
      if (s.startMs === undefined || s.endMs === undefined) continue;
      const tags = [critical.has(s.name) ? 'crit' : '', s.state === 'succeeded' ? 'done' : s.state === 'failed' ? 'active' : ''].filter(Boolean);
      lines.push(`  ${s.name.replace(/[:#;]/g, '_')} :${tags.length ? `${tags.join(', ')}, ` : ''}${s.startMs}, ${Math.max(s.endMs, s.startMs + 1)}`);
    }
  }
  return lines.join('\n');
}
