import { approveUpdate, overrideFreezeUpdate } from '../../workflows/messages';
import { userInfo } from 'node:os';
import { freezeTarget } from '../../plan/windows';
import { InvalidInputError } from '../errors';
import { loadOperator } from '../identity';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { gateTarget, signAnswer } from '../sign-answer';
import { refusedAsExit3, withRun } from '../steer';

export interface ApproveOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Who approves; checked against the plan's approvers. Default: the signing key's name. */
  as?: string;
  /** Signing key (`--key`, MAESTRO_KEY, else the local key). */
  key?: string;
  /** The wave whose gate to answer. Default: the only open gate. */
  wave?: number;
  /** The service whose gate to answer. */
  service?: string;
  comment?: string;
  /** Override the freeze holding the run instead of answering a gate; needs `reason`. */
  freeze?: boolean;
  reason?: string;
  json?: boolean;
}

/** `maestro approve`: answers an open gate as an update, so a refusal comes back with its reason (exit 3). */
export async function approveCommand(options: ApproveOptions): Promise<void> {
  if (options.freeze) return overrideFreeze(options);
  const gate = await withRun(options.connection, options.runId, async (handle) => {
    const signed = await signAnswer(handle, { runId: options.runId, action: 'approve', as: options.as, key: options.key, target: gateTarget(options) });
    return refusedAsExit3(() => handle.executeUpdate(approveUpdate, { args: [{ ...signed, wave: options.wave, service: options.service, comment: options.comment }] }));
  });
  options.output.out(
    options.json
      ? JSON.stringify(gate)
      : `gate ${gate.id}: ${gate.state} (${gate.approvals.length}/${gate.minApprovals} approvals: ${gate.approvals.map((a) => a.approver).join(', ')})`,
  );
}

/** `maestro approve --freeze --reason T`: lets new waves start during the freeze holding the run; recorded in the audit trail. */
async function overrideFreeze(options: ApproveOptions): Promise<void> {
  if (!options.reason?.trim()) throw new InvalidInputError('approve --freeze: --reason is required (it goes into the audit trail)');
  if (options.wave !== undefined || options.service !== undefined) throw new InvalidInputError('approve --freeze: a freeze is not a gate; leave out --wave and --service');
  const { approver, result } = await withRun(options.connection, options.runId, async (handle) => {
    // A signed run takes an override signed like an answer, over the freeze it shows holding it;
    // elsewhere the name is --as, else the signing key's, else the OS user.
    const signed = await signAnswer(handle, {
      runId: options.runId,
      action: 'override-freeze',
      as: options.as,
      key: options.key,
      unsignedName: loadOperator({ key: options.key })?.name ?? userInfo().username,
      target: (_open, progress) => (progress.windowWait?.kind === 'freeze' ? freezeTarget(progress.windowWait.reason) : undefined),
    });
    return { approver: signed.approver, result: await refusedAsExit3(() => handle.executeUpdate(overrideFreezeUpdate, { args: [{ ...signed, reason: options.reason! }] })) };
  });
  options.output.out(options.json ? JSON.stringify(result) : `freeze "${result.freeze}" overridden by ${approver}: new waves may start`);
}
