import { NAMESPACES } from '../trust/allowed-signers';
import { canonicalJson } from '../trust/canonical-json';
import { fingerprint, parsePublicKeyText, sameKey } from '../trust/ssh-keys';
import { parseSshsig, signSshsig, verifySshsig, type SigningKey } from '../trust/sshsig';
import type { ApproverKey } from './signed-plan';

/**
 * Signed answers to a run: approve, reject and decide carry an SSHSIG (namespace
 * maestro-approval) over this statement, bound to the run, its signed plan, the gate or decision
 * and a time. The workflow checks them in its update validators against the approval keys the
 * signed plan carries. Pure, but it pulls in ed25519: workflows `require` it only when needed.
 */
export const APPROVAL_STATEMENT_TYPE = 'maestro-approval/v1';

export interface ApprovalStatement {
  type: typeof APPROVAL_STATEMENT_TYPE;
  runId: string;
  /** The signed plan's `planHash`. */
  planHash: string;
  action: 'approve' | 'reject' | 'decide' | 'abort' | 'tune' | 'override-freeze';
  /** Gate id (`wave-2`, `service-api`), the decision (`retry`, …), for abort `rollback` / `no-rollback`, the live change (`max-parallel 1`) or the freeze (`freeze "…"`). */
  target: string;
  /** When it was signed (ISO). */
  at: string;
}

export const approvalMessage = (s: ApprovalStatement): string => canonicalJson(s);

export function signApproval(s: Omit<ApprovalStatement, 'type'>, key: SigningKey): string {
  return signSshsig(approvalMessage({ type: APPROVAL_STATEMENT_TYPE, ...s }), NAMESPACES.approval, key);
}

/**
 * How old a signed answer may be when the run receives it, and how far ahead of the run's clock
 * its time may be (the operator's clock against the workflow's). A captured answer cannot be
 * replayed later (a `decide retry` at the next decision of the same run, say), and a
 * pre-dated one cannot be held back for later either.
 */
export const APPROVAL_MAX_AGE_MS = 10 * 60_000;
export const APPROVAL_MAX_SKEW_MS = 5 * 60_000;

/** Why an answer signed at `at` is not taken at `nowMs`, or undefined. */
export function approvalAgeProblem(at: string, nowMs: number): string | undefined {
  const signedMs = Date.parse(at);
  if (!Number.isFinite(signedMs)) return `its time ${JSON.stringify(at)} is not an ISO date`;
  if (nowMs - signedMs > APPROVAL_MAX_AGE_MS) return `signed at ${at}, more than ${APPROVAL_MAX_AGE_MS / 60_000} minutes before the run received it (sign a new one)`;
  if (signedMs - nowMs > APPROVAL_MAX_SKEW_MS) return `signed at ${at}, more than ${APPROVAL_MAX_SKEW_MS / 60_000} minutes after the run's time ${new Date(nowMs).toISOString()} (check the signer's clock)`;
  return undefined;
}

export type ApprovalCheck = { ok: true; name: string; fingerprint: string } | { ok: false; reason: string };

/**
 * Checks a signed answer: a good signature, by a listed approval key, whose name is the one
 * claimed, and — given `nowMs`, the run's time — neither too old nor from the future.
 */
export function checkApproval(options: { signature?: string; statement: Omit<ApprovalStatement, 'type'>; claimed: string; approvers: ApproverKey[]; nowMs?: number }): ApprovalCheck {
  if (!options.signature) return { ok: false, reason: `unsigned: this run accepts only answers signed by an approval key its signed plan lists (maestro ${options.statement.action === 'override-freeze' ? 'approve --freeze' : options.statement.action} signs them)` };
  const age = options.nowMs === undefined ? undefined : approvalAgeProblem(options.statement.at, options.nowMs);
  if (age) return { ok: false, reason: age };
  const message = approvalMessage({ type: APPROVAL_STATEMENT_TYPE, ...options.statement });
  const check = verifySshsig(options.signature, message, NAMESPACES.approval);
  if (!check.ok) return { ok: false, reason: `bad signature: ${check.reason}` };
  const fp = fingerprint(check.sig.publicKey);
  const listed = options.approvers.find((a) => {
    try {
      return sameKey(parsePublicKeyText(a.key), check.sig.publicKey);
    } catch {
      return false;
    }
  });
  if (!listed) return { ok: false, reason: `key ${fp} is not an approval key of this run's signed plan` };
  if (listed.name !== options.claimed) return { ok: false, reason: `signed with ${listed.name}'s key (${fp}), not ${options.claimed}'s` };
  return { ok: true, name: listed.name, fingerprint: fp };
}

/** The name an approval key is listed under, by fingerprint (the plan signer's name, when it is one). */
export function approverNamed(approvers: ApproverKey[], fp: string): string | undefined {
  return approvers.find((a) => {
    try {
      return fingerprint(parsePublicKeyText(a.key)) === fp;
    } catch {
      return false;
    }
  })?.name;
}

/** The fingerprint of the key that signed a plan (for allowSelfApproval: false). */
export function signerFingerprint(planSignature: string): string | undefined {
  try {
    return fingerprint(parseSshsig(planSignature).publicKey);
  } catch {
    return undefined;
  }
}
