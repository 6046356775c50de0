import { patched } from '@temporalio/workflow';
import { isSettled } from '../plan/scheduling';
import type { TunePayload } from '../plan/messages';
import { decideTune, describeChange, effectiveMaxParallel, pauseAfterWaveDue, tuneChangeOf, withoutExcluded, type TuneChange, type Tuning } from '../plan/tuning';
import type { Controls } from './controls';
import { Refusal } from './gates';
import { PATCHES } from './patches';
import type { RunBook } from './run-book';

/** What an accepted `tune` update returns. */
export interface TuneResult {
  accepted: true;
  change: string;
  summary: string;
  tuning: Tuning;
}

/**
 * Live changes to the run (`maestro tune`): the one writer of `progress.tuning`. Decisions are
 * plan/tuning.ts's; this applies them, records them in the audit trail and pauses the run
 * after the wave an operator named.
 */
export class Tuner {
  constructor(
    private readonly book: RunBook,
    private readonly controls: Controls,
  ) {}

  private get tuning(): Tuning {
    return this.book.progress.tuning ?? { excludedNodes: [] };
  }

  /** Services in flight at once now. */
  get maxParallel(): number {
    return effectiveMaxParallel(this.book.plan, this.book.progress.tuning);
  }

  /** A service's candidate nodes without the excluded ones. */
  candidates(routed: readonly string[]): string[] {
    return withoutExcluded(routed, this.book.progress.tuning?.excludedNodes ?? []);
  }

  /** May a service of `wave` start, as far as `pauseAfterWave` goes? */
  mayStart(wave: number): boolean {
    const after = this.book.progress.tuning?.pauseAfterWave;
    return after === undefined || wave <= after;
  }

  /** The update's validator: the change it asks for, or a Refusal saying why it is impossible now. */
  validate(payload: TunePayload): { change: TuneChange; tuning: Tuning; summary: string } {
    const { approvers } = this.book.plan.approvals;
    if (approvers.length && !approvers.includes(payload.approver)) throw new Refusal(`${payload.approver} may not tune this run: approvers are ${approvers.join(', ')}`);
    const asked = tuneChangeOf(payload);
    if (!asked.ok) throw new Refusal(asked.reason);
    const { book } = this;
    const decision = decideTune(
      {
        plan: book.plan,
        routes: book.routes,
        services: Object.values(book.progress.services),
        waveCount: book.progress.waves.length,
        tuning: this.tuning,
        pendingDecision: book.progress.pendingDecision?.service,
        stopping: this.controls.stop !== undefined,
      },
      asked.change,
    );
    if (!decision.ok) throw new Refusal(decision.reason);
    return { change: asked.change, tuning: decision.tuning, summary: decision.summary };
  }

  apply(payload: TunePayload, signer: { fingerprint?: string } = {}): TuneResult {
    const { change, tuning, summary } = this.validate(payload);
    // The marker makes a tuned run's history say so; runs never tuned carry none.
    patched(PATCHES.liveTuning);
    const { book } = this;
    book.progress.tuning = tuning;
    // Services not started yet show the node they would start on now.
    for (const s of Object.values(book.progress.services)) {
      if (s.state === 'pending' || s.state === 'awaiting-approval') s.node = this.candidates(book.routes[s.name] ?? [])[0];
    }
    book.audit({ actor: payload.approver, action: 'tune', via: 'update', target: describeChange(change), comment: payload.comment, accepted: true, ...signer });
    book.setRunState(book.progress.state); // refreshes the Web UI's live line
    return { accepted: true, change: describeChange(change), summary, tuning };
  }

  /** Called on every pass of the main loop: pauses the run once the waves up to `pauseAfterWave` have settled. */
  pauseIfDue(): void {
    const tuning = this.book.progress.tuning;
    const due = pauseAfterWaveDue(tuning, Object.values(this.book.progress.services), isSettled);
    if (!due || !tuning) return;
    const wave = tuning.pauseAfterWave!;
    this.book.progress.tuning = { ...tuning, pauseAfterWave: undefined };
    if (due === 'drop') return this.book.touch();
    const by = [...this.book.progress.audit].reverse().find((e) => e.action === 'tune' && e.target === `pause-after-wave ${wave}`)?.actor ?? 'operator';
    this.book.audit({ actor: by, action: 'pause', via: 'auto', comment: `after wave ${wave}, as tuned; resume with maestro resume`, accepted: true });
    // No service runs now (waves 1..N settled, none later started): nothing to signal.
    this.controls.setPaused(true);
  }
}
