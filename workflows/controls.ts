import type { Decision } from '../plan/messages';
import { Refusal } from './gates';
import { now, type RunBook } from './run-book';

export interface StopRequest {
  reason: string;
  /** Undo every succeeded service. */
  rollback: boolean;
  /** An operator stopped the run (as opposed to a failure). */
  aborted?: boolean;
}

/** Pause, resume, abort and decisions on a failed service: the operator's hands on a run. */
export class Controls {
  paused = false;
  stop?: StopRequest;
  /** What `decide retry|skip` does about a failed background check (set by the deployment). */
  onAnalysisDecision?: (service: string, analysis: string, action: 'retry' | 'skip') => void;

  constructor(private readonly book: RunBook) {}

  get pendingDecision() {
    return this.book.progress.pendingDecision;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.book.touch();
  }

  requestStop(request: StopRequest): void {
    this.stop ??= request;
    this.book.progress.pendingDecision = undefined;
    this.book.touch();
  }

  /** onFailure: pause — hold the run until an operator decides; `analysis` when a background check of `service` failed. */
  awaitDecision(service: string, error: string, analysis?: string): void {
    this.book.progress.pendingDecision = { ...(analysis === undefined ? {} : { analysis }), service, error, since: now() };
    this.paused = true;
    this.book.touch();
  }

  validateDecision(approver: string): void {
    if (!this.pendingDecision) throw new Refusal('no decision is pending: the run is not paused on a failure');
    const { approvers } = this.book.plan.approvals;
    if (approvers.length && !approvers.includes(approver)) throw new Refusal(`${approver} may not decide: approvers are ${approvers.join(', ')}`);
  }

  decide(action: Decision, approver: string): void {
    this.validateDecision(approver);
    const { service, analysis } = this.pendingDecision!;
    this.book.progress.pendingDecision = undefined;
    // A failed background check: retry starts a new window, skip leaves it; the service itself succeeded.
    if (analysis !== undefined && (action === 'retry' || action === 'skip')) {
      this.onAnalysisDecision?.(service, analysis, action);
      this.paused = false;
      this.book.touch();
      return;
    }
    switch (action) {
      case 'retry':
        this.book.setServiceState(service, 'pending');
        this.paused = false;
        break;
      case 'skip':
        this.book.setServiceState(service, 'skipped');
        this.book.progress.failure ??= `${service} skipped by ${approver}`;
        this.paused = false;
        break;
      case 'rollback':
        this.requestStop({ reason: `rollback decided by ${approver} after ${service} failed`, rollback: true });
        break;
      case 'abort':
        this.requestStop({ reason: `aborted by ${approver} after ${service} failed`, rollback: false, aborted: true });
        break;
    }
    this.book.touch();
  }
}
