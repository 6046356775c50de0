import type { TunePayload } from '../../plan/messages';
import { tuneTarget, tuningLine } from '../../plan/tuning';
import { tuneUpdate } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import { InvalidInputError } from '../errors';
import type { Output } from '../output';
import { signAnswer } from '../sign-answer';
import { refusedAsExit3, withRun } from '../steer';

/** Exactly one live change. */
export type TuneSetting = { maxParallel: number } | { excludeNode: string } | { includeNode: string } | { pauseAfterWave: number };

export interface TuneOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Who changes the run; checked against the plan's approvers like `decide`. Default: the signing key's name (required for a run that takes no signed answers). */
  as?: string;
  /** Signing key (`--key`, MAESTRO_KEY, else the local key); used when the run takes signed answers. */
  key?: string;
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
  const change: TunePayload = { approver: '', ...setting };
  const result = await withRun(options.connection, options.runId, async (handle) => {
    // A signed run takes a tune signed like an answer: over the change as the run names it.
    const signed = await signAnswer(handle, { runId: options.runId, action: 'tune', as: options.as, key: options.key, target: () => tuneTarget(change) });
    const payload: TunePayload = { ...change, ...signed, ...(options.comment === undefined ? {} : { comment: options.comment }) };
    return refusedAsExit3(() => handle.executeUpdate(tuneUpdate, { args: [payload] }));
  });
  options.output.out(options.json ? JSON.stringify(result) : [`${result.change}: ${result.summary}`, tuningLine(result.tuning) ?? 'tuned: back to the plan\'s settings'].join('\n'));
}
