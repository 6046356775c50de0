import { userInfo } from 'node:os';
import { abortSignal } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { abortTarget } from '../../plan/messages';
import { signAnswer } from '../sign-answer';
import { withRun } from '../steer';

export interface AbortOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Undo what succeeded. Default true. */
  rollback: boolean;
  /** Who aborts, for the audit trail. Default: the signing key's name for a signed run, else the OS user. */
  as?: string;
  /** Signing key (`--key`, MAESTRO_KEY, else the local key): a signed run with approval keys takes only a signed abort. */
  key?: string;
  reason?: string;
  json?: boolean;
}

/** `maestro abort`: stops the run; in-flight services undo themselves, then (unless --no-rollback) every succeeded one. */
export async function abortCommand(options: AbortOptions): Promise<void> {
  await withRun(options.connection, options.runId, async (handle) => {
    const signed = await signAnswer(handle, { runId: options.runId, action: 'abort', as: options.as, key: options.key, target: () => abortTarget(options.rollback), unsignedName: userInfo().username });
    await handle.signal(abortSignal, { rollback: options.rollback, by: signed.approver, reason: options.reason, ...(signed.signature ? { signature: signed.signature, signedAt: signed.signedAt } : {}) });
  });
  options.output.out(
    options.json ? JSON.stringify({ runId: options.runId, signal: 'abort', rollback: options.rollback }) : `abort sent to ${options.runId}${options.rollback ? '' : ' (no rollback)'}`,
  );
}
