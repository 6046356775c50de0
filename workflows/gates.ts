import { CancellationScope, isCancellation, log, patched, sleep } from '@temporalio/workflow';
import type { Notifier } from './notifier';
import { PATCHES } from './patches';
import type { ApprovePayload, RejectPayload } from '../plan/messages';
import { approverProblem, autoApproveProblem, gateName } from '../plan/approval-policy';
import { moveGate } from '../plan/states';
import type { GateSpec } from '../plan/types';
import type { AuditEntry, GateProgress } from './progress';
import { now, type RunBook } from './run-book';

import { Refusal } from './refusal';

export { Refusal };

export const gateId = gateName;

/** Does this gate let its services through? A timed-out gate does when its onTimeout says approve. */
export function gatePasses(gate: GateProgress): boolean {
  return gate.state === 'approved' || (gate.state === 'timed-out' && gate.onTimeout === 'approve');
}

export function gateFails(gate: GateProgress): boolean {
  return gate.state === 'rejected' || (gate.state === 'timed-out' && gate.onTimeout === 'reject');
}

/**
 * Approval gates before waves and before single services: opening them (with a durable timer
 * for their timeout), checking who may answer, and recording every answer.
 */
export class GateKeeper {
  private readonly timers = new Map<string, CancellationScope>();
  private readonly specs = new Map<string, GateSpec>();

  constructor(
    private readonly book: RunBook,
    private readonly notifier?: Notifier,
  ) {
    const { plan } = book;
    const specs: GateSpec[] = [...plan.approvals.gates, ...plan.services.flatMap((s) => (s.approval ? [{ ...s.approval, service: s.name }] : []))];
    for (const spec of specs) {
      const id = gateId(spec);
      this.specs.set(id, spec);
      const held = spec.kind === 'wave' ? { wave: spec.beforeWave } : { service: spec.service };
      book.progress.gates.push({ id, ...held, state: 'waiting', onTimeout: spec.onTimeout, minApprovals: spec.minApprovals, approvals: [] });
    }
  }

  get gates(): GateProgress[] {
    return this.book.progress.gates;
  }

  /** The gates that hold `service`, wave gate first. */
  gatesFor(service: string): GateProgress[] {
    const wave = this.book.waveOf.get(service);
    return this.gates.filter((g) => g.wave === wave || g.service === service);
  }

  /** Opens a waiting gate and starts its timeout; with auto-approve, approves it at once. */
  open(gate: GateProgress): void {
    if (gate.state !== 'waiting') return;
    const spec = this.specs.get(gate.id)!;
    moveGate(gate, 'open');
    gate.openedAt = now();
    gate.deadline = new Date(Date.now() + spec.timeoutMs).toISOString();
    const { autoApproveAfterMs } = this.book.input;
    // A simulation's delayed approvals stand for people answering, not for the starter alone.
    const autoApprove = this.book.input.autoApprove === true && (autoApproveAfterMs ? true : this.mayAutoApprove(gate, spec));
    if (autoApprove && !autoApproveAfterMs) {
      this.autoApprove(gate);
      return;
    }
    const scope = new CancellationScope();
    // Only runs started with autoApproveAfterMs (simulations) take this path: no run in flight replays it.
    if (autoApprove && autoApproveAfterMs) {
      void scope.run(() => sleep(autoApproveAfterMs, { summary: `gate ${gate.id}: approved after ${autoApproveAfterMs} ms` })).then(
        () => void (gate.state === 'open' && this.autoApprove(gate)),
        (err) => {
          if (!isCancellation(err)) throw err;
        },
      );
    }
    this.timers.set(gate.id, scope);
    this.notifier?.send('gate-opened', gate);
    scope
      .run(() => sleep(spec.timeoutMs, { summary: `gate ${gate.id}: waiting for approval (onTimeout: ${spec.onTimeout})` }))
      .then(
        () => {
          if (gate.state !== 'open') return;
          this.record({ actor: 'timer', action: 'timeout', via: 'timer', target: gate.id, accepted: true, comment: `onTimeout: ${spec.onTimeout}` });
          this.decide(gate, 'timed-out', 'timer', `no decision within the gate timeout (onTimeout: ${spec.onTimeout})`);
        },
        (err) => {
          if (!isCancellation(err)) throw err;
        },
      );
    this.book.touch();
  }

  /**
   * Whether the starter alone may approve this gate (approver, self-approval, minApprovals). `maestro
   * run` refuses such a run before starting it, another client may not: the refusal is recorded and
   * the gate waits for real approvals. Runs that auto-approved regardless replay as they ran.
   */
  private mayAutoApprove(gate: GateProgress, spec: GateSpec): boolean {
    const approver = this.book.input.startedBy ?? 'operator';
    const problem = autoApproveProblem(this.book.plan.approvals, spec, approver);
    if (!problem || !patched(PATCHES.autoApprovePolicy)) return true;
    this.refuse({ actor: approver, action: 'approve', via: 'auto', target: gate.id, comment: '--auto-approve' }, problem);
    return false;
  }

  private autoApprove(gate: GateProgress): void {
    const approver = this.book.input.startedBy ?? 'operator';
    gate.approvals.push({ approver, at: now(), comment: '--auto-approve' });
    this.record({ actor: approver, action: 'approve', via: 'auto', target: gate.id, accepted: true, comment: '--auto-approve' });
    this.decide(gate, 'approved', approver);
  }

  /** Checks an approval without changing anything; throws a Refusal with the reason. */
  validateApprove(payload: ApprovePayload): GateProgress {
    return this.checkApprove(payload).gate;
  }

  /** The gate and, for a run whose answers must be signed, the key that signed this one. */
  private checkApprove(payload: ApprovePayload): { gate: GateProgress; fingerprint?: string } {
    const gate = this.findOpenGate(payload);
    const signer = this.signerOf('approve', gate.id, payload);
    this.checkApprover(payload.approver, gate, signer?.fingerprint);
    // With signed answers, distinct approvers are distinct keys.
    const again = signer ? gate.approvals.some((a) => a.fingerprint === signer.fingerprint) : gate.approvals.some((a) => a.approver === payload.approver);
    if (again) throw new Refusal(`${payload.approver} already approved gate ${gate.id}${signer ? ` with key ${signer.fingerprint}` : ''}; it needs ${gate.minApprovals} distinct approvers`);
    return { gate, fingerprint: signer?.fingerprint };
  }

  validateReject(payload: RejectPayload): GateProgress {
    return this.checkReject(payload).gate;
  }

  private checkReject(payload: RejectPayload): { gate: GateProgress; fingerprint?: string } {
    const gate = this.findOpenGate(payload);
    const signer = this.signerOf('reject', gate.id, payload);
    this.checkApprover(payload.approver, gate, signer?.fingerprint);
    return { gate, fingerprint: signer?.fingerprint };
  }

  approve(payload: ApprovePayload, via: AuditEntry['via']): GateProgress {
    const { gate, fingerprint } = this.checkApprove(payload);
    // Kept for the node, which checks the approval itself before running a step behind this gate.
    if (this.book.approvalKeys.enforced && payload.signature && payload.signedAt) {
      this.book.gateApprovals.set(gate.id, [...(this.book.gateApprovals.get(gate.id) ?? []), { gate: gate.id, signedAt: payload.signedAt, signature: payload.signature }]);
    }
    gate.approvals.push({ approver: payload.approver, at: now(), comment: payload.comment, ...(fingerprint ? { fingerprint } : {}) });
    this.record({ actor: payload.approver, action: 'approve', via, target: gate.id, comment: payload.comment, accepted: true, ...(fingerprint ? { fingerprint } : {}) });
    if (gate.approvals.length >= gate.minApprovals) this.decide(gate, 'approved', payload.approver);
    return gate;
  }

  reject(payload: RejectPayload, via: AuditEntry['via']): GateProgress {
    const { gate, fingerprint } = this.checkReject(payload);
    this.record({ actor: payload.approver, action: 'reject', via, target: gate.id, comment: payload.reason, accepted: true, ...(fingerprint ? { fingerprint } : {}) });
    this.decide(gate, 'rejected', payload.approver, payload.reason);
    return gate;
  }

  /** Records a refused message (signals cannot be refused to the sender). */
  refuse(entry: Omit<AuditEntry, 'at' | 'accepted'>, reason: string): void {
    log.warn('message refused', { actor: entry.actor, action: entry.action, reason });
    this.record({ ...entry, accepted: false, reason });
  }

  private record(entry: Omit<AuditEntry, 'at'>): void {
    this.book.audit(entry);
  }

  private decide(gate: GateProgress, state: 'approved' | 'rejected' | 'timed-out', by: string, reason?: string): void {
    moveGate(gate, state);
    gate.decidedAt = now();
    gate.decidedBy = by;
    gate.reason = reason;
    this.timers.get(gate.id)?.cancel();
    this.timers.delete(gate.id);
    this.book.touch();
  }

  private findOpenGate(target: { wave?: number; service?: string }): GateProgress {
    const open = this.gates.filter((g) => g.state === 'open');
    if (target.wave !== undefined || target.service !== undefined) {
      const named = target.wave !== undefined ? `wave-${target.wave}` : `service-${target.service}`;
      const gate = open.find((g) => g.id === named);
      if (gate) return gate;
      const known = this.gates.find((g) => g.id === named);
      const state = known ? `it is ${known.state}` : 'the plan has no such gate';
      throw new Refusal(`no gate is open for ${named} (${state})${open.length ? `; open: ${open.map((g) => g.id).join(', ')}` : ''}`);
    }
    if (open.length === 1) return open[0]!;
    if (open.length === 0) throw new Refusal('no gate is open');
    throw new Refusal(`several gates are open (${open.map((g) => g.id).join(', ')}): name one with wave or service`);
  }

  /** For a run whose answers must be signed: the key's name and fingerprint, or a Refusal. */
  private signerOf(action: 'approve' | 'reject', gate: string, payload: ApprovePayload | RejectPayload): { fingerprint: string } | undefined {
    const keys = this.book.approvalKeys;
    return keys.enforced ? keys.check(action, gate, payload) : undefined;
  }

  private checkApprover(approver: string, gate: GateProgress, fingerprint?: string): void {
    const { approvals } = this.book.plan;
    if (approvals.approvers.length && !approvals.approvers.includes(approver)) {
      throw new Refusal(`${approver} may not answer gate ${gate.id}: approvers are ${approvals.approvers.join(', ')}`);
    }
    // Signed: the starter is the key that signed the plan, whatever name an answer claims.
    const starter = this.book.approvalKeys.starterFingerprint();
    if (!approvals.allowSelfApproval && fingerprint && fingerprint === starter) {
      throw new Refusal(`${approver}'s key (${fingerprint}) signed this run's plan and the plan does not allow self-approval`);
    }
    const problem = approverProblem(approvals, approver, this.book.input.startedBy);
    if (problem) throw new Refusal(problem);
  }
}
