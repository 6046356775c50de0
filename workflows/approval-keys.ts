import type * as ApprovalSignatureModule from '../plan/approval-signature';
import type { ApprovalStatement } from '../plan/approval-signature';
import type { ApproverKey, PlanSignature, PlanStatement } from '../plan/signed-plan';
import { Refusal } from './refusal';

/**
 * Who may answer a signed run: the approval keys its signed plan carries (`maestro run` copies
 * them from the operator's trust file). An answer must be signed by one of them, and the name it
 * is recorded under is the key's. Runs started unsigned, or signed without approval keys, keep
 * the plain name checks of the plan's approver list.
 */
export class ApprovalKeys {
  private statement?: PlanStatement | null;
  private starter?: string | null;

  constructor(private readonly input: { signature?: PlanSignature }) {}

  /** The signed plan's statement (parsed once; null for an unsigned or unreadable one). */
  planStatement(): PlanStatement | undefined {
    if (this.statement === undefined) {
      try {
        this.statement = this.input.signature ? (JSON.parse(this.input.signature.statement) as PlanStatement) : null;
      } catch {
        this.statement = null;
      }
    }
    return this.statement ?? undefined;
  }

  get approvers(): ApproverKey[] {
    return this.planStatement()?.approvers ?? [];
  }

  /** Answers must be signed. */
  get enforced(): boolean {
    return this.approvers.length > 0;
  }

  /** Checks a signed answer; throws a Refusal. Returns the key's name and fingerprint. */
  check(action: ApprovalStatement['action'], target: string, payload: { approver: string; signature?: string; signedAt?: string }): { name: string; fingerprint: string } {
    const statement = this.planStatement()!;
    const result = this.module().checkApproval({
      signature: payload.signature,
      statement: { runId: statement.runId, planHash: statement.planHash, action, target, at: payload.signedAt ?? '' },
      claimed: payload.approver,
      approvers: this.approvers,
      // The workflow's clock: the time of this workflow task, the same when it replays.
      nowMs: Date.now(),
    });
    if (!result.ok) throw new Refusal(`${action} ${target} by ${payload.approver} refused: ${result.reason}`);
    return result;
  }

  /** Fingerprint of the key that signed the plan: the starter, for allowSelfApproval: false. */
  starterFingerprint(): string | undefined {
    if (this.starter === undefined) this.starter = (this.input.signature && this.module().signerFingerprint(this.input.signature.signature)) ?? null;
    return this.starter ?? undefined;
  }

  /** The plan signer's name, when its key is one of the run's approval keys (else only its fingerprint is known). */
  starterName(): string | undefined {
    const fp = this.starterFingerprint();
    return fp && this.approvers.length ? this.module().approverNamed(this.approvers, fp) : undefined;
  }

  private module(): typeof ApprovalSignatureModule {
    // Required, not imported: ed25519 would otherwise be evaluated in every workflow's context
    // (each service child too); only a parent checking an answer needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../plan/approval-signature') as typeof ApprovalSignatureModule;
  }
}
