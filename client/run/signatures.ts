import { APPROVAL_STATEMENT_TYPE, approvalMessage, type ApprovalStatement } from '../../plan/approval-signature';
import { gateName } from '../../plan/approval-policy';
import { abortTarget, type TunePayload } from '../../plan/messages';
import { tuneTarget } from '../../plan/tuning';
import { freezeTarget } from '../../plan/windows';
import { parseStatement, planHash, serviceLeaves, type PlanStatement } from '../../plan/signed-plan';
import { NAMESPACES, findSigner, type TrustSet } from '../../trust/allowed-signers';
import { fingerprint, parsePublicKeyText, sameKey, type PublicKey } from '../../trust/ssh-keys';
import { parseSshsig, verifySshsig, type Sshsig } from '../../trust/sshsig';
import type { DeploymentInput } from '../../workflows/run-book';

/**
 * `maestro verify`: every signature a run's history holds — the plan's and each signed answer's —
 * checked again, offline, against a trust file, the way `git verify-commit` re-checks a commit
 * against `gpg.ssh.allowedSignersFile`. Pure: the command reads the history, this judges it.
 */

/** Results, worst first in the sense that only `ok` passes. */
export const VERIFY_RESULTS = ['ok', 'unsigned', 'bad signature', 'wrong namespace', 'unknown key', 'revoked', 'outside validity'] as const;
export type VerifyResult = (typeof VERIFY_RESULTS)[number];

/** A signed message found in the history. */
export interface SignedMessage {
  /** `plan`, or the answer's action. */
  kind: 'plan' | ApprovalStatement['action'];
  /** How it arrived: the run's start, an update (accepted by the run) or a signal. */
  via: 'start' | 'update' | 'signal';
  /** The name the answer was sent under (`approver`, `by`). */
  claimed?: string;
  signature?: string;
  signedAt?: string;
  /** The targets the answer may have signed (the gate it named, else every gate of the plan; the decision; rollback or not). */
  targets: string[];
  /** History event id, to find it in the Web UI. */
  eventId: number;
}

export interface VerifiedSignature {
  /** `plan`, `approve wave-2`, `abort rollback`, … */
  what: string;
  via: SignedMessage['via'];
  eventId: number;
  /** The trust file's name for the key, else the name the run's signed plan gives it, else the name claimed. */
  signer: string;
  /** SHA256:… as ssh-keygen prints it; empty when the signature does not parse. */
  fingerprint: string;
  /** The namespace the signature was made in. */
  namespace: string;
  /** When it says it was signed. */
  signedAt?: string;
  result: VerifyResult;
  /** Why, when not ok. */
  detail?: string;
}

/** Wire names of the messages that carry a signed answer or live change. */
const ANSWER_NAMES = ['approve', 'reject', 'decide', 'abort', 'tune', 'overrideFreeze'] as const;
type AnswerName = (typeof ANSWER_NAMES)[number];
export const isAnswerName = (name: string | null | undefined): name is AnswerName => (ANSWER_NAMES as readonly string[]).includes(name ?? '');

/** The gate ids of a plan, as answers name them. */
function gateIds(input: DeploymentInput): string[] {
  return [...new Set(serviceLeaves(input.plan).flatMap((leaf) => leaf.gates.map(gateName)))];
}

/** The signed message an answer's payload is, or undefined when it is not an answer payload. */
export function answerMessage(name: AnswerName, payload: unknown, via: 'update' | 'signal', eventId: number, input: DeploymentInput): SignedMessage | undefined {
  if (typeof payload !== 'object' || payload === null) return name === 'abort' ? { kind: 'abort', via, eventId, targets: [abortTarget(true)] } : undefined;
  const p = payload as { approver?: unknown; by?: unknown; signature?: unknown; signedAt?: unknown; wave?: unknown; service?: unknown; action?: unknown; rollback?: unknown };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const kind: ApprovalStatement['action'] = name === 'overrideFreeze' ? 'override-freeze' : name;
  let targets: string[];
  if (name === 'tune') targets = [tuneTarget(payload as TunePayload)].filter(Boolean);
  // The freeze an override answered is the one holding the run then: any of the plan's.
  else if (name === 'overrideFreeze') targets = (input.plan.schedule?.freezes ?? []).map((f) => freezeTarget(f.reason));
  else if (name === 'decide') targets = str(p.action) ? [str(p.action)!] : [];
  else if (name === 'abort') targets = [abortTarget(p.rollback !== false)];
  else if (typeof p.wave === 'number') targets = [`wave-${p.wave}`];
  else if (str(p.service)) targets = [`service-${str(p.service)}`];
  else targets = gateIds(input);
  return { kind, via, eventId, claimed: str(p.approver) ?? str(p.by), signature: str(p.signature), signedAt: str(p.signedAt), targets };
}

/**
 * Who a key is in the trust file for `namespace` at `atMs`, and if not, which of the failures.
 * A key the trust file no longer lists is `revoked` when the run had taken it as trusted (it is
 * one of the approval keys its signed plan carries), `unknown key` otherwise.
 */
function judgeKey(trust: TrustSet, key: PublicKey, namespace: string, atMs: number, runKeys: { name: string; key: PublicKey }[]): { result: VerifyResult; name?: string; detail?: string } {
  const found = findSigner(trust, key, namespace, atMs);
  if (found.ok) return { result: 'ok', name: found.name };
  const listed = trust.signers.filter((s) => sameKey(s.publicKey, key));
  const name = listed[0]?.principals[0] ?? runKeys.find((k) => sameKey(k.key, key))?.name;
  if (listed.length === 0) {
    const hadIt = runKeys.some((k) => sameKey(k.key, key));
    return hadIt
      ? { result: 'revoked', name, detail: `the run took this key as ${name}'s, and the trust file no longer lists it` }
      : { result: 'unknown key', name, detail: found.reason };
  }
  const allowed = listed.some((s) => !s.namespaces || s.namespaces.includes(namespace));
  return { result: allowed ? 'outside validity' : 'wrong namespace', name, detail: found.reason };
}

function runKeysOf(statement: PlanStatement | undefined): { name: string; key: PublicKey }[] {
  return (statement?.approvers ?? []).flatMap((a) => {
    try {
      return [{ name: a.name, key: parsePublicKeyText(a.key) }];
    } catch {
      return [];
    }
  });
}

/** Checks the plan signature and every signed answer of a run against `trust`. */
export function verifyRunSignatures(runId: string, input: DeploymentInput, answers: SignedMessage[], trust: TrustSet): VerifiedSignature[] {
  const rows: VerifiedSignature[] = [];
  let statement: PlanStatement | undefined;
  const sig = input.signature;
  if (!sig) {
    rows.push({ what: 'plan', via: 'start', eventId: 1, signer: input.startedBy ?? '', fingerprint: '', namespace: '', result: 'unsigned', detail: 'the run was started without a plan signature' });
  } else {
    try {
      statement = parseStatement(sig.statement);
    } catch {
      statement = undefined;
    }
    rows.push(checkOne({ what: 'plan', via: 'start', eventId: 1, namespace: NAMESPACES.plan, signature: sig.signature, message: sig.statement, signedAt: statement?.signedAt, claimed: input.startedBy, trust, runKeys: runKeysOf(statement) }, () => {
      if (!statement) return 'the signed statement does not parse';
      if (statement.runId !== runId) return `the plan was signed for run ${statement.runId}, not ${runId}`;
      if (statement.planHash !== planHash(input.plan)) return "the run's plan is not the plan that was signed (changed after signing)";
      return undefined;
    }));
  }
  const runKeys = runKeysOf(statement);
  for (const answer of answers) {
    const what = `${answer.kind} ${answer.targets.length === 1 ? answer.targets[0] : (answer.targets.join('|') || '?')}`;
    if (!answer.signature) {
      rows.push({ what, via: answer.via, eventId: answer.eventId, signer: answer.claimed ?? '', fingerprint: '', namespace: '', signedAt: answer.signedAt, result: 'unsigned' });
      continue;
    }
    if (!statement) {
      rows.push({ what, via: answer.via, eventId: answer.eventId, signer: answer.claimed ?? '', fingerprint: '', namespace: '', signedAt: answer.signedAt, result: 'bad signature', detail: 'the run has no signed plan to bind an answer to' });
      continue;
    }
    // The signature binds one target; the history names it only when the operator did.
    const messages = answer.targets.map((target) => ({ target, text: approvalMessage({ type: APPROVAL_STATEMENT_TYPE, runId, planHash: statement!.planHash, action: answer.kind as ApprovalStatement['action'], target, at: answer.signedAt ?? '' }) }));
    const matching = messages.find((m) => verifySshsig(answer.signature!, m.text, NAMESPACES.approval).ok) ?? messages[0];
    rows.push(checkOne({ what: matching ? `${answer.kind} ${matching.target}` : what, via: answer.via, eventId: answer.eventId, namespace: NAMESPACES.approval, signature: answer.signature, message: matching?.text ?? '', signedAt: answer.signedAt, claimed: answer.claimed, trust, runKeys }));
  }
  return rows;
}

function checkOne(
  c: { what: string; via: SignedMessage['via']; eventId: number; namespace: string; signature: string; message: string; signedAt?: string; claimed?: string; trust: TrustSet; runKeys: { name: string; key: PublicKey }[] },
  bound: () => string | undefined = () => undefined,
): VerifiedSignature {
  const base = { what: c.what, via: c.via, eventId: c.eventId, signedAt: c.signedAt };
  let parsed: Sshsig;
  try {
    parsed = parseSshsig(c.signature);
  } catch (err) {
    return { ...base, signer: c.claimed ?? '', fingerprint: '', namespace: '', result: 'bad signature', detail: (err as Error).message };
  }
  const fp = fingerprint(parsed.publicKey);
  const atMs = c.signedAt ? Date.parse(c.signedAt) : Date.now();
  const key = judgeKey(c.trust, parsed.publicKey, c.namespace, Number.isFinite(atMs) ? atMs : Date.now(), c.runKeys);
  const row = { ...base, signer: key.name ?? c.claimed ?? '', fingerprint: fp, namespace: parsed.namespace };
  if (parsed.namespace !== c.namespace) return { ...row, result: 'wrong namespace', detail: `signed in namespace ${parsed.namespace}, a ${c.what.split(' ')[0]} needs ${c.namespace}` };
  const check = verifySshsig(parsed, c.message, c.namespace);
  if (!check.ok) return { ...row, result: 'bad signature', detail: check.reason };
  const unbound = bound();
  if (unbound) return { ...row, result: 'bad signature', detail: unbound };
  return { ...row, result: key.result, ...(key.detail ? { detail: key.detail } : {}) };
}
