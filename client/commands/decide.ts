import type { Decision } from '../../plan/messages';
import { decideUpdate } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { refusedAsExit3, withRun } from '../steer';

export interface DecideOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  action: Decision;
  as: string;
  comment?: string;
  json?: boolean;
}

/** `maestro decide`: what to do about the failed service a paused run waits on. */
export async function decideCommand(options: DecideOptions): Promise<void> {
  const result = await withRun(options.connection, options.runId, (handle) =>
    refusedAsExit3(() => handle.executeUpdate(decideUpdate, { args: [{ action: options.action, approver: options.as, comment: options.comment }] })),
  );
  options.output.out(options.json ? JSON.stringify(result) : `decision accepted: ${result.action}`);
}
