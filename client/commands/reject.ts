import { rejectUpdate } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { gateTarget, signAnswer } from '../sign-answer';
import { refusedAsExit3, withRun } from '../steer';

export interface RejectOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Default: the signing key's name. */
  as?: string;
  key?: string;
  /** Why; recorded in the audit trail. */
  reason: string;
  wave?: number;
  service?: string;
  json?: boolean;
}

/** `maestro reject`: says no to an open gate; the plan's onFailure then applies. */
export async function rejectCommand(options: RejectOptions): Promise<void> {
  const gate = await withRun(options.connection, options.runId, async (handle) => {
    const signed = await signAnswer(handle, { runId: options.runId, action: 'reject', as: options.as, key: options.key, target: gateTarget(options) });
    return refusedAsExit3(() => handle.executeUpdate(rejectUpdate, { args: [{ ...signed, reason: options.reason, wave: options.wave, service: options.service }] }));
  });
  options.output.out(options.json ? JSON.stringify(gate) : `gate ${gate.id}: ${gate.state} by ${gate.decidedBy} — ${gate.reason}`);
}
