import type { ServiceState } from '../plan/scheduling';
import type { CommandSpec, EnvValue, RetrySpec } from '../plan/types';

/** What the `progress` queries return, and what runs end with. Plain JSON; times are ISO strings. */

export const RUN_STATES = [
  'running',
  'awaiting-approval',
  'paused',
  'rolling-back',
  'succeeded',
  'failed',
  'rolled-back',
  'rollback-incomplete',
  'aborted',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Run states after which nothing more happens. */
export const FINAL_RUN_STATES: readonly RunState[] = ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete', 'aborted'];

export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'undoing', 'undone', 'undo-failed'] as const;
export type StepState = (typeof STEP_STATES)[number];

export interface StepProgress {
  name: string;
  kind: 'run' | 'check' | 'wait';
  state: StepState;
  node?: string;
  /** Attempts of the last activity (1 for the first try). */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  lastLine?: string;
  error?: string;
  /** Set when the step's undo ran or failed. */
  undoError?: string;
}

export interface ServiceProgress {
  name: string;
  /** 1-based wave. */
  wave: number;
  state: ServiceState;
  node?: string;
  /** Nodes that counted as down while this service ran. */
  nodesDown: string[];
  startedAt?: string;
  endedAt?: string;
  /** The step running now, when the service runs. */
  currentStep?: string;
  steps: StepProgress[];
  error?: string;
}

export type GateState = 'waiting' | 'open' | 'approved' | 'rejected' | 'timed-out';

export interface GateProgress {
  /** `wave-2` or `service-api`. */
  id: string;
  wave?: number;
  service?: string;
  state: GateState;
  openedAt?: string;
  /** When an open gate times out. */
  deadline?: string;
  onTimeout: 'reject' | 'approve';
  minApprovals: number;
  approvals: Array<{ approver: string; at: string; comment?: string }>;
  decidedAt?: string;
  decidedBy?: string;
  reason?: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: 'approve' | 'reject' | 'decide' | 'pause' | 'resume' | 'abort' | 'timeout';
  /** How it arrived. */
  via: 'update' | 'signal' | 'timer' | 'auto';
  /** Gate id, service, or decision. */
  target?: string;
  comment?: string;
  accepted: boolean;
  /** Why it was refused. */
  reason?: string;
}

export interface PendingDecision {
  service: string;
  error: string;
  since: string;
}

export interface RollbackFailure {
  service: string;
  step: string;
  error: string;
}

export interface RunProgress {
  runId: string;
  plan: string;
  state: RunState;
  startedAt: string;
  endedAt?: string;
  startedBy?: string;
  waves: string[][];
  /** 1-based wave being worked on. */
  currentWave: number;
  services: Record<string, ServiceProgress>;
  gates: GateProgress[];
  pendingDecision?: PendingDecision;
  audit: AuditEntry[];
  /** Refused signals beyond the audit trail's limit, counted only. */
  refusedNotRecorded?: number;
  /** Why the run did not succeed. */
  failure?: string;
  /** Steps whose undo kept failing during a rollback. */
  rollbackFailures: RollbackFailure[];
}

/** A step that completed and how to undo it; kept by the saga, handed to undo children. */
export interface CompletedStep {
  name: string;
  node: string;
  undo?: CommandSpec;
  env: Record<string, EnvValue>;
  cwd: string;
  timeoutMs: number;
  retry: RetrySpec;
}

/** What a service child returns. */
export interface ServiceOutcome {
  node?: string;
  nodesDown: string[];
  steps: StepProgress[];
  completed: CompletedStep[];
}

/** What an undo child returns. */
export interface UndoOutcome {
  steps: StepProgress[];
  failures: RollbackFailure[];
}

/** What a finished run returns (the full picture stays available through the `progress` query). */
export interface RunOutcome {
  runId: string;
  state: RunState;
  failure?: string;
  services: Record<string, string>;
}

/** `ApplicationFailure.type` of a run that did not succeed; details[0] is its RunOutcome. */
export const RUN_NOT_SUCCEEDED = 'RunNotSucceeded';
