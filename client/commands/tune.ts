import type { TunePayload } from '../../plan/messages';
import { tuningLine } from '../../plan/tuning';
import { tuneUpdate } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import { InvalidInputError } from '../errors';
import type { Output } from '../output';
import { refusedAsExit3, withRun } from '../steer';

/** Exactly one live change. */
export type TuneSetting = { maxParallel: number } | { excludeNode: string } | { includeNode: string } | { pauseAfterWave: number };

export interface TuneOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Who changes the run; checked against the plan's approvers like `decide`. */
  as: string;
  /** The flags given; exactly one setting is accepted. */
  settings: TuneSetting[];
  comment?: string;
  json?: boolean;
}

/**
 * `maestro tune`: one live change to a running run, as an update — the run's validator refuses
 * an impossible change with the reason (exit 3) and changes nothing; an accepted one is in the
 * audit trail.
 */
export async function tuneCommand(options: TuneOptions): Promise<void> {
  const [setting, ...others] = options.settings;
  if (!setting || others.length) {
    throw new InvalidInputError(
      `tune: give exactly one of --max-parallel, --exclude-node, --include-node, --pause-after-wave (got ${options.settings.length})`,
      'Each change is its own update and audit entry: run tune once per change.',
    );
  }
  const payload: TunePayload = { approver: options.as, ...setting, ...(options.comment === undefined ? {} : { comment: options.comment }) };
  const result = await withRun(options.connection, options.runId, (handle) => refusedAsExit3(() => handle.executeUpdate(tuneUpdate, { args: [payload] })));
  options.output.out(options.json ? JSON.stringify(result) : [`${result.change}: ${result.summary}`, tuningLine(result.tuning) ?? 'tuned: back to the plan\'s settings'].join('\n'));
}
