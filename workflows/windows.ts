import { CancellationScope, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { OverrideFreezePayload } from '../plan/messages';
import { freezeTarget, windowDecision } from '../plan/windows';
import { Refusal } from './gates';
import { PATCHES } from './patches';
import type { AuditEntry } from './progress';
import type { RunBook } from './run-book';

/**
 * Deploy windows and freezes: a new wave starts only inside a window and outside every freeze
 * not overridden. Held back, the run waits on a durable timer and resumes by itself; what already
 * runs is never stopped. Checked at wave boundaries only (the first start of each wave).
 */
export class WindowKeeper {
  private readonly enabled: boolean;
  private readonly overridden = new Set<number>();
  private readonly startedWaves = new Set<number>();
  private timer?: { untilMs: number; scope: CancellationScope };

  constructor(private readonly book: RunBook) {
    const schedule = book.plan.schedule;
    // Plans without windows or freezes never reach patched(): their histories carry no marker.
    this.enabled = schedule !== undefined && (schedule.windows.length > 0 || schedule.freezes.length > 0) && patched(PATCHES.deployWindows);
  }

  /** May a service of `wave` start now? A wave already started may always go on. */
  mayStart(wave: number): boolean {
    if (!this.enabled || this.startedWaves.has(wave)) return true;
    const { windows, freezes } = this.book.plan.schedule!;
    const decision = windowDecision(Date.now(), windows, freezes, this.overridden);
    if (decision.open) return true;
    const until = new Date(decision.untilMs).toISOString();
    const reason = decision.kind === 'freeze' ? decision.freeze.reason : windows.map((w) => w.text).join('; ');
    const current = this.book.progress.windowWait;
    if (current?.wave !== wave || current.until !== until || current.kind !== decision.kind) {
      this.book.progress.windowWait = { wave, kind: decision.kind, until, reason };
      this.book.setRunState(this.book.progress.state); // refreshes the Web UI's live line
    }
    this.wakeAt(decision.untilMs, decision.kind === 'freeze' ? `freeze: ${reason}` : `window: ${reason}`);
    return false;
  }

  /** A service of `wave` started: the boundary is passed. */
  started(wave: number): void {
    if (!this.enabled || this.startedWaves.has(wave)) return;
    this.startedWaves.add(wave);
    if (this.book.progress.windowWait) {
      this.book.progress.windowWait = undefined;
      this.book.setRunState(this.book.progress.state);
    }
  }

  /** The freeze holding the run back now; a Refusal when none does, or when the approver may not. */
  validateOverride(payload: OverrideFreezePayload): number {
    const schedule = this.book.plan.schedule;
    const decision = this.enabled && schedule ? windowDecision(Date.now(), [], schedule.freezes, this.overridden) : { open: true as const };
    if (decision.open) throw new Refusal('no freeze holds this run now: there is nothing to override');
    const { approvals } = this.book.plan;
    if (approvals.approvers.length && !approvals.approvers.includes(payload.approver)) throw new Refusal(`${payload.approver} may not override a freeze: approvers are ${approvals.approvers.join(', ')}`);
    if (!approvals.allowSelfApproval && payload.approver === this.book.input.startedBy) throw new Refusal(`${payload.approver} started this run and the plan does not allow self-approval`);
    return decision.kind === 'freeze' ? decision.index : -1;
  }

  /** What an override of the freeze holding the run now answers (`freeze "<reason>"`): the target a signed override signs. */
  overrideTarget(payload: OverrideFreezePayload): string {
    return freezeTarget(this.book.plan.schedule?.freezes[this.validateOverride(payload)]?.reason ?? '');
  }

  override(payload: OverrideFreezePayload, via: AuditEntry['via'], signer: { fingerprint?: string } = {}): string {
    const index = this.validateOverride(payload);
    const freeze = this.book.plan.schedule!.freezes[index]!;
    this.overridden.add(index);
    this.book.audit({ actor: payload.approver, action: 'override-freeze', via, target: freezeTarget(freeze.reason), comment: payload.reason, accepted: true, ...signer });
    this.timer?.scope.cancel();
    this.timer = undefined;
    return freeze.reason;
  }

  /** One durable timer at a time: a run waits on the nearest moment something may change. */
  private wakeAt(untilMs: number, summary: string): void {
    if (this.timer?.untilMs === untilMs) return;
    this.timer?.scope.cancel();
    const scope = new CancellationScope();
    this.timer = { untilMs, scope };
    scope
      .run(() => sleep(Math.max(1, untilMs - Date.now()), { summary: `waiting until ${new Date(untilMs).toISOString()} (${summary})` }))
      .then(
        () => {
          if (this.timer?.scope === scope) this.timer = undefined;
          this.book.touch();
        },
        (err) => {
          if (!isCancellation(err)) throw err;
        },
      );
  }
}
