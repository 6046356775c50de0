import { gateName } from '../plan/approval-policy';
import { APPROVAL_STATEMENT_TYPE, approvalMessage } from '../plan/approval-signature';
import type { PlanStatement, ServiceLeaf, SignedApproval } from '../plan/signed-plan';
import type { GateSpec } from '../plan/types';
import { NAMESPACES, findSigner, type TrustSet } from '../trust/allowed-signers';
import { fingerprint, sameKey, type PublicKey } from '../trust/ssh-keys';
import { verifySshsig } from '../trust/sshsig';

/**
 * The node's own check that the gates holding a service were opened by people it trusts, so a
 * rogue orchestrator (modified workflow code, or a service child started by hand) cannot skip a
 * gate of a signed plan. The gates come from the signed leaf, the approvals from the step: each
 * an SSHSIG (maestro-approval) over this run, its plan hash, the gate and a time, by a key this
 * node's trust file allows maestro-approval, named in the plan's approvers, not the plan's signer
 * when self-approval is off; `minApprovals` distinct keys per gate.
 *
 * Two ways a gate opens without approval signatures, both decided by signed data only:
 * - the plan was signed with `--auto-approve`: the signer's own key counts as one approval, under
 *   the same rules as any approver (it must be allowed maestro-approval here, be an approver, and
 *   the plan must allow self-approval);
 * - `onTimeout: approve`: the gate counts as timed out once its timeout has passed since the plan
 *   was signed (a gate cannot open before its plan exists, so this is the earliest it could time out).
 */

export interface GateCheckInput {
  leaf: ServiceLeaf;
  statement: PlanStatement;
  /** The key that signed the plan (verified by the caller). */
  planSigner: PublicKey;
  approvals: SignedApproval[] | undefined;
  trust: TrustSet;
  nowMs: number;
}

/** Why the service's gates are not open as far as this node can tell; undefined when they are. */
export function gateProblem(input: GateCheckInput): string | undefined {
  for (const gate of input.leaf.gates) {
    const problem = oneGate(gate, input);
    if (problem) return problem;
  }
  return undefined;
}

function oneGate(gate: GateSpec, input: GateCheckInput): string | undefined {
  const id = gateName(gate);
  const { leaf, statement, trust, nowMs } = input;
  const keys = new Map<string, string>();
  const refused: string[] = [];
  const admit = (key: PublicKey, what: string): void => {
    const signer = findSigner(trust, key, NAMESPACES.approval, nowMs);
    if (!signer.ok) return void refused.push(`${what}: ${signer.reason}`);
    if (leaf.approvers.length && !leaf.approvers.includes(signer.name)) return void refused.push(`${what}: ${signer.name} is not an approver (${leaf.approvers.join(', ')})`);
    if (!leaf.allowSelfApproval && sameKey(key, input.planSigner)) return void refused.push(`${what}: ${signer.name}'s key signed the plan and the plan does not allow self-approval`);
    keys.set(signer.fingerprint, signer.name);
  };
  for (const approval of Array.isArray(input.approvals) ? input.approvals : []) {
    if (approval?.gate !== id) continue;
    if (typeof approval.signature !== 'string' || typeof approval.signedAt !== 'string') {
      refused.push('a malformed approval');
      continue;
    }
    const message = approvalMessage({ type: APPROVAL_STATEMENT_TYPE, runId: statement.runId, planHash: statement.planHash, action: 'approve', target: id, at: approval.signedAt });
    const sig = verifySshsig(approval.signature, message, NAMESPACES.approval);
    if (!sig.ok) refused.push(`an approval signature: ${sig.reason}`);
    else admit(sig.sig.publicKey, `approval by ${fingerprint(sig.sig.publicKey)}`);
  }
  if (statement.autoApprove) admit(input.planSigner, 'auto-approval by the plan signer');
  if (keys.size >= gate.minApprovals) return undefined;
  if (gate.onTimeout === 'approve' && nowMs >= Date.parse(statement.signedAt) + gate.timeoutMs) return undefined;
  const have = keys.size ? ` (${[...keys.values()].join(', ')})` : '';
  const why = refused.length ? `; refused: ${refused.join('; ')}` : (Array.isArray(input.approvals) && input.approvals.some((a) => a?.gate === id)) ? '' : '; the step carries no approval for it';
  return `gate ${id} is not approved: it needs ${gate.minApprovals} approval key(s) this node trusts (${NAMESPACES.approval}), the step carries ${keys.size}${have}${why}`;
}
