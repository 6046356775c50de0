import type { Decision } from '../../plan/messages';
import { decideUpdate } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { signAnswer } from '../sign-answer';
import { refusedAsExit3, withRun } from '../steer';

export interface DecideOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  action: Decision;
  /** Default: the signing key's name. */
  as?: string;
  key?: string;
  comment?: string;
  json?: boolean;
}

/** `maestro decide`: what to do about the failed service a paused run waits on. */
export async function decideCommand(options: DecideOptions): Promise<void> {
  const result = await withRun(options.connection, options.runId, async (handle) => {
    const signed = await signAnswer(handle, { runId: options.runId, action: 'decide', as: options.as, key: options.key, target: () => options.action });
    return refusedAsExit3(() => handle.executeUpdate(decideUpdate, { args: [{ ...signed, action: options.action, comment: options.comment }] }));
  });
  options.output.out(options.json ? JSON.stringify(result) : `decision accepted: ${result.action}`);
}
