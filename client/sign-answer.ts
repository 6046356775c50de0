import { signApproval, type ApprovalStatement } from '../plan/approval-signature';
import type { RunProgress } from '../workflows/progress';
import { progressQuery } from '../workflows/messages';
import { InvalidInputError } from './errors';
import { requireOperator } from './identity';
import type { DeploymentHandle } from './run/handle';

export interface SignedAnswer {
  /** The name the answer is sent under: `--as`, else the key's name. */
  approver: string;
  signature?: string;
  signedAt?: string;
}

/**
 * Signs an answer (approve, reject, decide, abort) or a live change (tune, override-freeze) when
 * the run asks for signed answers: a signed run whose plan lists approval keys. The key is `--key`, MAESTRO_KEY or the local one; the name is
 * the key's unless `--as` says otherwise (the run refuses a name that is not the key's). `target`
 * resolves the gate from what the run shows open when the operator named none.
 */
export async function signAnswer(
  handle: DeploymentHandle,
  options: {
    runId: string;
    action: ApprovalStatement['action'];
    as?: string;
    key?: string;
    target: (openGates: string[], progress: RunProgress) => string | undefined;
    /** Used as the name when the run takes unsigned answers and `--as` is not given (abort: the audit trail says `operator`). */
    unsignedName?: string;
  },
): Promise<SignedAnswer> {
  const progress = await handle.query(progressQuery);
  if (!progress.signed?.approvalKeys.length) {
    const name = options.as ?? options.unsignedName;
    if (!name) throw new InvalidInputError('--as NAME is required: this run does not take signed answers');
    return { approver: name };
  }
  const operator = requireOperator({ key: options.key });
  const approver = options.as ?? operator.name;
  const target = options.target(
    progress.gates.filter((g) => g.state === 'open').map((g) => g.id),
    progress,
  );
  // No target: the run refuses with its own reason (no gate open, several open).
  if (!target) return { approver };
  const signedAt = new Date().toISOString();
  const signature = signApproval({ runId: options.runId, planHash: progress.signed.planHash, action: options.action, target, at: signedAt }, operator.key);
  return { approver, signature, signedAt };
}

/** The gate an approve or reject answers: the one named, else the only open one. */
export function gateTarget(named: { wave?: number; service?: string }): (open: string[]) => string | undefined {
  return (open) => (named.wave !== undefined ? `wave-${named.wave}` : named.service !== undefined ? `service-${named.service}` : open.length === 1 ? open[0] : undefined);
}
