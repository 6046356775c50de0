import { NAMESPACES } from '../trust/allowed-signers';
import { canonicalJson } from '../trust/canonical-json';
import { merkleTree } from '../trust/merkle';
import { signSshsig, type SigningKey } from '../trust/sshsig';
import { PLAN_STATEMENT_TYPE, leafHashOf, planHash, serviceLeaves, type ApproverKey, type PlanSignature, type PlanStatement } from './signed-plan';
import type { NormalizedPlan } from './types';

/**
 * Signing a plan for one run (the CLI, tests, the bench). Apart from plan/signed-plan.ts so the
 * workflow bundle does not carry ed25519 signing: every workflow evaluates every bundled module.
 */

export interface SignPlanOptions {
  runId: string;
  key: SigningKey;
  nowMs: number;
  /** How long the signature lets steps start. */
  ttlMs: number;
  approvers?: ApproverKey[];
  /** `maestro run --auto-approve`: the signer approves the plan's gates (see PlanStatement.autoApprove). */
  autoApprove?: boolean;
}

/** Signs a plan for one run: the statement and its SSHSIG. */
export function signPlan(plan: NormalizedPlan, options: SignPlanOptions): PlanSignature {
  const { root } = merkleTree(serviceLeaves(plan).map(leafHashOf));
  const statement: PlanStatement = {
    type: PLAN_STATEMENT_TYPE,
    runId: options.runId,
    plan: plan.name,
    planHash: planHash(plan),
    root,
    services: plan.services.length,
    signedAt: new Date(options.nowMs).toISOString(),
    expiresAt: new Date(options.nowMs + options.ttlMs).toISOString(),
    approvers: options.approvers ?? [],
    ...(options.autoApprove ? { autoApprove: true as const } : {}),
  };
  const text = canonicalJson(statement);
  return { statement: text, signature: signSshsig(text, NAMESPACES.plan, options.key) };
}

