import { formatDuration } from '../../plan/durations';
import { renderTable } from './table';

/** What `maestro exec` got back from one node. */
export interface ExecResult {
  node: string;
  ok: boolean;
  /** The node's service state: succeeded, failed, skipped, … */
  state: string;
  /** The command's exit code; undefined when it did not run or was killed by a signal. */
  exitCode?: number;
  durationMs?: number;
  /** Last lines of stdout and stderr, secrets redacted. */
  outputTail: string;
  lastLine?: string;
  error?: string;
}

/** One node: its output tail, then a status line. Several: a table, one row per node. */
export function renderExecResults(results: ExecResult[], options: { table: boolean }): string {
  if (!options.table && results.length === 1) {
    const r = results[0]!;
    const exit = r.exitCode === undefined ? '' : `exit ${r.exitCode}`;
    const took = r.durationMs === undefined ? '' : formatDuration(r.durationMs);
    const status = `${r.node}: ${r.state}${exit || took ? ` (${[exit, took].filter(Boolean).join(', ')})` : ''}${r.error ? ` — ${r.error}` : ''}`;
    return [r.outputTail.trimEnd(), status].filter(Boolean).join('\n');
  }
  const rows = results.map((r) => [
    r.node,
    r.state,
    r.exitCode === undefined ? '-' : String(r.exitCode),
    r.durationMs === undefined ? '-' : formatDuration(r.durationMs),
    r.ok ? (lastLine(r.outputTail) ?? r.lastLine ?? '') : (r.error ?? ''),
  ]);
  return renderTable(['NODE', 'RESULT', 'EXIT', 'TIME', 'OUTPUT (last line) / ERROR'], rows);
}

function lastLine(tail: string): string | undefined {
  return tail.trimEnd().split('\n').filter((l) => l.trim()).pop();
}
