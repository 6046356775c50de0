import { formatDuration } from '../../plan/durations';
import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { renderTable, shortTime } from '../render/table';
import { listRuns, parseState } from '../run/list';

/** How many runs `maestro list` shows unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 50;

export interface ListOptions {
  output: Output;
  connection: ConnectionSettings;
  /** Only runs in this state. Default: all. */
  state?: string;
  /** Only runs of this plan. Default: all. */
  plan?: string;
  /** At most this many runs, newest first; `--limit`, default `DEFAULT_LIST_LIMIT`. */
  limit: number;
  json?: boolean;
}

/** `maestro list`: runs from Temporal visibility, newest first. */
export async function listCommand(options: ListOptions): Promise<void> {
  const state = options.state === undefined ? undefined : parseState(options.state);
  return withClient(options.connection, async (client) => {
    const runs = await listRuns(client, { state, plan: options.plan }, options.limit);
    const rows = runs.map((r) => [r.runId, r.plan ?? '-', r.state, shortTime(r.startedAt), r.durationMs === undefined ? 'running' : formatDuration(r.durationMs)]);
    if (options.json) options.output.out(JSON.stringify(runs, null, 2));
    else options.output.out(rows.length ? renderTable(['RUN', 'PLAN', 'STATE', 'STARTED (UTC)', 'DURATION'], rows) : 'no runs match');
  });
}

