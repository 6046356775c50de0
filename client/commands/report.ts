import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import { InvalidInputError } from '../errors';
import type { Output } from '../output';
import { existingRun } from '../run/handle';
import { readProgress } from '../run/progress';
import { computeDora } from '../run/dora';
import { renderDoraReport, renderRunReport } from '../render/report-md';
import { buildRunReport } from '../run/report';
import { fetchRunInput } from '../run/history';
import { EXEC_PLAN_NAME } from './exec';
import { listRuns } from '../run/list';

export const REPORT_FORMATS = ['md', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  output: Output;
  connection: ConnectionSettings;
  /** The run to report on. Either this or `since`. */
  runId?: string;
  /** Delivery figures over the runs started in this window (`--since`, e.g. `30d`), in milliseconds. Either this or `runId`. */
  sinceMs?: number;
  /** With `since`: only runs of this plan. Default: every plan. */
  plan?: string;
  /** Default `md`. */
  format?: ReportFormat;
}

/** `maestro report <id>` (one run's completion report) or `maestro report --since 30d` (delivery figures). */
export async function reportCommand(options: ReportOptions): Promise<void> {
  const { sinceMs } = options;
  if (options.runId && sinceMs !== undefined) throw new InvalidInputError('give a run id or --since, not both');
  if (!options.runId && sinceMs === undefined) throw new InvalidInputError('give a run id, or --since DURATION for delivery figures', 'e.g. `maestro report my-run` or `maestro report --since 30d`.');
  const json = options.format === 'json';
  return withClient(options.connection, async (client) => {
    if (sinceMs !== undefined) {
      const until = new Date();
      const since = new Date(until.getTime() - sinceMs);
      const runs = await listRuns(client, { since, plan: options.plan, excludePlans: options.plan ? [] : [EXEC_PLAN_NAME] });
      const dora = computeDora(runs, { since, until, plan: options.plan });
      options.output.out(json ? JSON.stringify(dora, null, 2) : renderDoraReport(dora));
      return;
    }
    const handle = await existingRun(client, options.runId!);
    const progress = await readProgress(client, handle);
    const input = await fetchRunInput(client, handle.workflowId).catch(() => undefined);
    const report = buildRunReport(progress, input?.plan);
    options.output.out(json ? JSON.stringify(report, null, 2) : renderRunReport(report));
  });
}
