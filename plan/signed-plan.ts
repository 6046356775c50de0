import { sha256 } from '@noble/hashes/sha2';
import { toHex, utf8 } from '../trust/bytes';
import { canonicalJson } from '../trust/canonical-json';
import { leafHash, merkleTree, verifyMerkleProof, type ProofStep } from '../trust/merkle';
import { waveNumbers } from './graph';
import type { GateSpec, NormalizedPlan, ServiceSpec } from './types';

/**
 * A signed plan: what `maestro run` signs (plan/sign-plan.ts) and what a node worker checks before it runs a command.
 *
 * The signature (SSHSIG, namespace maestro-plan) covers a small statement: the run id, an expiry,
 * a hash of the whole normalized plan and the root of a Merkle tree with one leaf per service. A
 * step carries its service's leaf and proof, so a 1,000-service plan needs one signature and each
 * activity only its own service and ~10 hashes.
 */

export const PLAN_STATEMENT_TYPE = 'maestro-plan/v1';

/** An approval key the signer's trust file lists; what the workflow checks approvals against. */
export interface ApproverKey {
  name: string;
  /** `ssh-ed25519 AAAA…` */
  key: string;
}

/** The signed statement (its canonical JSON is the signed message). */
export interface PlanStatement {
  type: typeof PLAN_STATEMENT_TYPE;
  runId: string;
  plan: string;
  /** Hex SHA-256 of the canonical JSON of the whole normalized plan. */
  planHash: string;
  /** Hex Merkle root over the service leaves, in plan order. */
  root: string;
  services: number;
  signedAt: string;
  /** No step (run, undo or check) starts after this. */
  expiresAt: string;
  approvers: ApproverKey[];
  /**
   * Signed with `--auto-approve`: the signer approves the plan's gates by signing it (counted as
   * one approval by its key, under the plan's approver rules). Absent otherwise.
   */
  autoApprove?: true;
}

/** Travels in the run's input: the exact signed bytes (as text) and the armored SSHSIG. */
export interface PlanSignature {
  statement: string;
  signature: string;
}

/** What a node needs about one service to run its steps: the spec and the gates that hold it. */
export interface ServiceLeaf {
  service: ServiceSpec;
  /** The wave gate and the service's own gate, if any. */
  gates: GateSpec[];
  /** The plan's approver allow list (empty: any key allowed maestro-approval). */
  approvers: string[];
  allowSelfApproval: boolean;
}

/** An accepted, signed `approve` of a gate, as the node re-checks it (plan/approval-signature.ts). */
export interface SignedApproval {
  /** Gate id (`wave-3`, `service-api`). */
  gate: string;
  /** The `at` the signature covers. */
  signedAt: string;
  /** Armored SSHSIG, namespace maestro-approval. */
  signature: string;
}

/** Handed down to a service child and on to each of its activities. */
export interface SignedService {
  plan: PlanSignature;
  leaf: ServiceLeaf;
  proof: ProofStep[];
  /** The signed approvals of the gates that hold the service (absent when none are held or none were signed). */
  approvals?: SignedApproval[];
}

export function planHash(plan: NormalizedPlan): string {
  return toHex(sha256(utf8(canonicalJson(plan))));
}

/** Every service's leaf, in plan order. */
export function serviceLeaves(plan: NormalizedPlan): ServiceLeaf[] {
  const waves = waveNumbers(plan.services);
  return plan.services.map((service) => ({
    service,
    gates: [...plan.approvals.gates.filter((g) => g.beforeWave === waves?.get(service.name)), ...(service.approval ? [{ ...service.approval, service: service.name }] : [])],
    approvers: plan.approvals.approvers,
    allowSelfApproval: plan.approvals.allowSelfApproval,
  }));
}

export const leafBytes = (leaf: ServiceLeaf): Uint8Array => utf8(canonicalJson(leaf));
export const leafHashOf = (leaf: ServiceLeaf): Uint8Array => leafHash(leafBytes(leaf));

/** Each service's SignedService, on demand by name (the run hashes every service once and hands one share to each child). */
export function signedServices(plan: NormalizedPlan, signature: PlanSignature): { get(name: string): SignedService | undefined } {
  const leaves = serviceLeaves(plan);
  const index = new Map(leaves.map((leaf, i) => [leaf.service.name, i]));
  const tree = merkleTree(leaves.map(leafHashOf));
  return {
    get(name) {
      const i = index.get(name);
      return i === undefined ? undefined : { plan: signature, leaf: leaves[i]!, proof: tree.proof(i) };
    },
  };
}

/** Does the leaf belong to the plan the statement's root commits to? */
export function leafInPlan(statement: Pick<PlanStatement, 'root'>, signed: Pick<SignedService, 'leaf' | 'proof'>): boolean {
  return verifyMerkleProof(leafBytes(signed.leaf), signed.proof, statement.root);
}

/** Parses a statement's text; throws naming what is missing. */
export function parseStatement(text: string): PlanStatement {
  const value = JSON.parse(text) as Partial<PlanStatement>;
  if (value.type !== PLAN_STATEMENT_TYPE) throw new Error(`not a ${PLAN_STATEMENT_TYPE} statement`);
  for (const field of ['runId', 'plan', 'planHash', 'root', 'signedAt', 'expiresAt'] as const) {
    if (typeof value[field] !== 'string') throw new Error(`statement: ${field} is missing`);
  }
  if (!Array.isArray(value.approvers)) throw new Error('statement: approvers is missing');
  return value as PlanStatement;
}
