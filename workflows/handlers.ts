import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import { abortPayload, abortTarget, approvePayload, clip, decidePayload, overrideFreezePayload, parsePayload, pausePayload, rejectPayload, tunePayload, type DecidePayload } from '../plan/messages';
import type { ServiceChildren } from './children';
import type { Controls } from './controls';
import { Refusal, type GateKeeper } from './gates';
import {
  abortSignal,
  approveSignal,
  approveUpdate,
  decideSignal,
  decideUpdate,
  overrideFreezeUpdate,
  pauseSignal,
  tuneUpdate,
  progressQuery,
  rejectSignal,
  rejectUpdate,
  resumeSignal,
} from './messages';
import { tuneTarget } from '../plan/tuning';
import { PATCHES } from './patches';
import type { AuditEntry } from './progress';
import type { RunBook } from './run-book';
import type { Tuner } from './tuning';
import type { WindowKeeper } from './windows';

/** Refused messages kept in the audit trail; a flood beyond this is counted, not stored. */
export const MAX_REFUSED_AUDIT_ENTRIES = 200;

function parsed<T>(result: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (!result.ok) throw new Refusal(result.reason);
  return result.value;
}

function actorOf(payload: unknown): string {
  const approver = (payload as { approver?: unknown; by?: unknown } | undefined)?.approver ?? (payload as { by?: unknown } | undefined)?.by;
  // A refused message's claimed name is kept only as long as a real one may be.
  return typeof approver === 'string' && approver ? clip(approver, 200) : 'unknown';
}

/**
 * Every message a run answers. Updates are checked by synchronous validators that change
 * nothing, so a refused update leaves no trace but its reason; the same messages sent as
 * signals cannot be refused to the sender, so a bad one is recorded as refused.
 */
export function registerHandlers(book: RunBook, gates: GateKeeper, controls: Controls, children: ServiceChildren, windows: WindowKeeper, tuner: Tuner): void {
  let refusedDropped = 0;
  const refuse = (action: AuditEntry['action'], via: AuditEntry['via'], payload: unknown, err: unknown) => {
    if (!(err instanceof Refusal)) throw err;
    const refused = book.progress.audit.filter((e) => !e.accepted).length;
    if (refused >= MAX_REFUSED_AUDIT_ENTRIES) {
      refusedDropped++;
      book.progress.refusedNotRecorded = refusedDropped;
      return;
    }
    gates.refuse({ actor: actorOf(payload), action, via }, clip(err.message));
  };
  const refuseSignal = (action: 'approve' | 'reject' | 'decide' | 'pause' | 'resume' | 'abort', payload: unknown, err: unknown) => refuse(action, 'signal', payload, err);

  /**
   * A signed run's live changes (tune, override-freeze) must be signed by one of its approval
   * keys, like its answers. Checked in the handler, not the validator, so that a refused one —
   * an unsigned update from the Temporal CLI, a key the plan does not list — is recorded in the
   * audit trail; the update then fails with the reason. Returns the signing key's fingerprint.
   */
  const liveChangeSigner = (action: 'tune' | 'override-freeze', target: () => string, p: { approver: string; signature?: string; signedAt?: string }): { fingerprint?: string } => {
    if (!book.approvalKeys.enforced || !patched(PATCHES.signedLiveChanges)) return {};
    try {
      const { fingerprint } = book.approvalKeys.check(action, target(), p);
      const { approvals } = book.plan;
      if (action === 'override-freeze' && !approvals.allowSelfApproval && fingerprint === book.approvalKeys.starterFingerprint()) {
        throw new Refusal(`${p.approver}'s key (${fingerprint}) signed this run's plan and the plan does not allow self-approval`);
      }
      return { fingerprint };
    } catch (err) {
      refuse(action, 'update', p, err);
      throw ApplicationFailure.nonRetryable((err as Error).message, 'Refusal');
    }
  };

  /** A signed run's decision must be signed by one of its approval keys (throws a Refusal). */
  const decisionSigner = (p: DecidePayload): { fingerprint?: string } =>
    book.approvalKeys.enforced ? { fingerprint: book.approvalKeys.check('decide', p.action, p).fingerprint } : {};

  setHandler(progressQuery, () => book.progress);

  setHandler(approveUpdate, (payload) => gates.approve(parsed(parsePayload(approvePayload, payload)), 'update'), {
    validator: (payload) => void gates.validateApprove(parsed(parsePayload(approvePayload, payload))),
  });
  setHandler(rejectUpdate, (payload) => gates.reject(parsed(parsePayload(rejectPayload, payload)), 'update'), {
    validator: (payload) => void gates.validateReject(parsed(parsePayload(rejectPayload, payload))),
  });
  setHandler(
    decideUpdate,
    (payload) => {
      const p = parsed(parsePayload(decidePayload, payload));
      const fingerprint = decisionSigner(p);
      controls.decide(p.action, p.approver);
      book.audit({ actor: p.approver, action: 'decide', via: 'update', target: p.action, comment: p.comment, accepted: true, ...fingerprint });
      return { accepted: true as const, action: p.action };
    },
    {
      validator: (payload) => {
        const p = parsed(parsePayload(decidePayload, payload));
        decisionSigner(p);
        controls.validateDecision(p.approver);
      },
    },
  );

  setHandler(
    overrideFreezeUpdate,
    (payload) => {
      const p = parsed(parsePayload(overrideFreezePayload, payload));
      const signer = liveChangeSigner('override-freeze', () => windows.overrideTarget(p), p);
      return { accepted: true as const, freeze: windows.override(p, 'update', signer) };
    },
    { validator: (payload) => void windows.validateOverride(parsed(parsePayload(overrideFreezePayload, payload))) },
  );

  setHandler(
    tuneUpdate,
    (payload) => {
      const p = parsed(parsePayload(tunePayload, payload));
      return tuner.apply(p, liveChangeSigner('tune', () => tuneTarget(p), p));
    },
    {
      validator: (payload) => void tuner.validate(parsed(parsePayload(tunePayload, payload))),
    },
  );

  setHandler(approveSignal, (payload) => {
    try {
      gates.approve(parsed(parsePayload(approvePayload, payload)), 'signal');
    } catch (err) {
      refuseSignal('approve', payload, err);
    }
  });
  setHandler(rejectSignal, (payload) => {
    try {
      gates.reject(parsed(parsePayload(rejectPayload, payload)), 'signal');
    } catch (err) {
      refuseSignal('reject', payload, err);
    }
  });
  setHandler(decideSignal, (payload) => {
    try {
      const p = parsed(parsePayload(decidePayload, payload));
      const fingerprint = decisionSigner(p);
      controls.decide(p.action, p.approver);
      book.audit({ actor: p.approver, action: 'decide', via: 'signal', target: p.action, comment: p.comment, accepted: true, ...fingerprint });
    } catch (err) {
      refuseSignal('decide', payload, err);
    }
  });

  setHandler(pauseSignal, async (payload) => {
    const by = parsePayload(pausePayload, payload);
    if (!by.ok && patched(PATCHES.refuseMalformedPause)) return refuseSignal('pause', payload, new Refusal(by.reason));
    book.audit({ actor: (by.ok && by.value?.by) || 'operator', action: 'pause', via: 'signal', accepted: true });
    controls.setPaused(true);
    await children.syncPaused(() => controls.paused);
  });
  setHandler(resumeSignal, async (payload) => {
    const by = parsePayload(pausePayload, payload);
    if (!by.ok && patched(PATCHES.refuseMalformedPause)) return refuseSignal('resume', payload, new Refusal(by.reason));
    const actor = (by.ok && by.value?.by) || 'operator';
    if (controls.pendingDecision) {
      refuseSignal('resume', payload, new Refusal(`a decision on ${controls.pendingDecision.service} is pending: use decide retry|skip|rollback|abort`));
      return;
    }
    book.audit({ actor, action: 'resume', via: 'signal', accepted: true });
    controls.setPaused(false);
    await children.syncPaused(() => controls.paused);
  });
  setHandler(abortSignal, (payload) => {
    const p = parsePayload(abortPayload, payload ?? {});
    if (!p.ok) return refuseSignal('abort', payload, new Refusal(p.reason));
    const actor = p.value.by ?? 'operator';
    // A run that takes only signed answers takes only a signed abort (maestro-approval); the patch
    // keeps runs that took an unsigned one before as they ran.
    let signer: { fingerprint?: string } = {};
    if (book.approvalKeys.enforced && patched(PATCHES.signedAbort)) {
      try {
        signer = { fingerprint: book.approvalKeys.check('abort', abortTarget(p.value.rollback), { approver: actor, signature: p.value.signature, signedAt: p.value.signedAt }).fingerprint };
      } catch (err) {
        return refuseSignal('abort', payload, err);
      }
    }
    book.audit({ actor, action: 'abort', via: 'signal', accepted: true, comment: p.value.rollback ? 'with rollback' : 'without rollback', ...signer });
    controls.requestStop({ reason: `aborted by ${actor}${p.value.reason ? `: ${p.value.reason}` : ''}`, rollback: p.value.rollback, aborted: true });
  });
}
