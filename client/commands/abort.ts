import { abortSignal } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { withRun } from '../steer';

export interface AbortOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Undo what succeeded. Default true. */
  rollback: boolean;
  as?: string;
  reason?: string;
  json?: boolean;
}

/** `maestro abort`: stops the run; in-flight services undo themselves, then (unless --no-rollback) every succeeded one. */
export async function abortCommand(options: AbortOptions): Promise<void> {
  await withRun(options.connection, options.runId, (handle) => handle.signal(abortSignal, { rollback: options.rollback, by: options.as, reason: options.reason }));
  options.output.out(
    options.json ? JSON.stringify({ runId: options.runId, signal: 'abort', rollback: options.rollback }) : `abort sent to ${options.runId}${options.rollback ? '' : ' (no rollback)'}`,
  );
}
