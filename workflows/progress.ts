import type { GateState, RunState, ServiceState, StepState } from '../plan/states';
import type { AnalysisState } from '../plan/analysis';
import type { CheckKind, StepKind } from '../plan/types';
import type { CommandSpec, EnvValue, RetrySpec } from '../plan/types';
import type { Tuning } from '../plan/tuning';
import type { FinalRecord } from './final-record';

/** What the `progress` queries return, and what runs end with. Plain JSON; times are ISO strings. */

// The states and their moves live in plan/states.ts (one table each).
export { FINAL_RUN_STATES, RUN_STATES, STEP_STATES, type GateState, type RunState, type StepState } from '../plan/states';

export interface StepProgress {
  name: string;
  kind: StepKind;
  /** Written only through moveStep (plan/states.ts). */
  readonly state: StepState;
  node?: string;
  /** Attempts of the last activity (1 for the first try). */
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  lastLine?: string;
  /** A metric check's query as sent to Prometheus. */
  query?: string;
  /** What a metric check's last query returned (at most 20 values). */
  lastValues?: number[];
  error?: string;
  /** Set when the step's undo ran or failed. */
  undoError?: string;
}

export interface ServiceProgress {
  name: string;
  /** 1-based wave. */
  wave: number;
  /** Written only through moveService (plan/states.ts); in the parent, by RunBook.setServiceState. */
  readonly state: ServiceState;
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

export interface GateProgress {
  /** `wave-2` or `service-api`. */
  id: string;
  wave?: number;
  service?: string;
  /** Written only through moveGate (plan/states.ts). */
  readonly state: GateState;
  openedAt?: string;
  /** When an open gate times out. */
  deadline?: string;
  onTimeout: 'reject' | 'approve';
  minApprovals: number;
  /** `fingerprint`: the key that signed the approval (signed runs). */
  approvals: Array<{ approver: string; at: string; comment?: string; fingerprint?: string }>;
  decidedAt?: string;
  decidedBy?: string;
  reason?: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: 'approve' | 'reject' | 'decide' | 'pause' | 'resume' | 'abort' | 'timeout' | 'override-freeze' | 'tune';
  /** How it arrived. */
  via: 'update' | 'signal' | 'timer' | 'auto';
  /** Gate id, service, or decision. */
  target?: string;
  comment?: string;
  accepted: boolean;
  /** Why it was refused. */
  reason?: string;
  /** The key that signed it (signed runs): SHA256:… as ssh-keygen prints it. */
  fingerprint?: string;
}

/** A wave held back by the deploy windows or a freeze; the run resumes by itself at `until`. */
export interface WindowWait {
  wave: number;
  kind: 'window' | 'freeze';
  /** When the wave may start (ISO). */
  until: string;
  /** The windows as written, or the freeze's reason. */
  reason: string;
}

/** A background check (`services.<name>.analysis`) as the run knows it. */
export interface AnalysisProgress {
  service: string;
  name: string;
  kind: CheckKind;
  state: AnalysisState;
  /** The node that probes (the service's). */
  node?: string;
  startedAt: string;
  /** When its window ends (absent: it ends with the run). */
  endsAt?: string;
  endedAt?: string;
  /** A metric check's query as sent to Prometheus. */
  query?: string;
  /** The Prometheus condition as written: `< 0.05` good when every value meets it, or `> 0.05` bad when any does. */
  condition?: string;
  probes?: number;
  lastObservation?: string;
  /** What the last metric query returned (at most 20 values). */
  lastValues?: number[];
  error?: string;
}

export interface PendingDecision {
  /** The failed background check's name, when a background check (of `service`) is what failed. */
  analysis?: string;
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
  /** Written only through moveRun (plan/states.ts), by RunBook.setRunState. */
  readonly state: RunState;
  startedAt: string;
  endedAt?: string;
  startedBy?: string;
  waves: string[][];
  /** 1-based wave being worked on. */
  currentWave: number;
  services: Record<string, ServiceProgress>;
  gates: GateProgress[];
  pendingDecision?: PendingDecision;
  /** Background checks started so far; absent in runs without any. */
  analyses?: AnalysisProgress[];
  /** Set while a wave waits for its window or for a freeze to end. */
  windowWait?: WindowWait;
  /** What live changes (`maestro tune`) made of the plan's settings; absent until the first one. */
  tuning?: Tuning;
  audit: AuditEntry[];
  /** Refused signals beyond the audit trail's limit, counted only. */
  refusedNotRecorded?: number;
  /** Why the run did not succeed. */
  failure?: string;
  /** Steps whose undo kept failing during a rollback. */
  rollbackFailures: RollbackFailure[];
  /** A signed run: what the signature binds, who signed the plan, and whether answers must be signed. */
  signed?: { planHash: string; expiresAt: string; fingerprint?: string; approvalKeys: string[]; signer?: string };
}

/** A step that completed and how to undo it; kept by the saga (the command from the plan). */
export interface CompletedStep {
  name: string;
  node: string;
  undo?: CommandSpec;
  env: Record<string, EnvValue>;
  cwd: string;
  timeoutMs: number;
  retry: RetrySpec;
}

/** What every service child result carries, whatever its end. */
interface ServiceResultBase {
  service: string;
  /** The node that ran its last step. */
  node?: string;
  /** Nodes that counted as down while it ran. */
  nodesDown: string[];
  /** Every step, with the state it ended in (an undone step says so, an undo that failed too). */
  steps: StepProgress[];
  /** Undo commands that kept failing: what is left done. */
  undoFailures: RollbackFailure[];
}

/**
 * What a service child (or an undo child) ends with, on every path: returned when it succeeded,
 * `details[0]` of its ServiceFailed / ServiceCancelled failure otherwise.
 */
export type ServiceResult =
  | (ServiceResultBase & { end: 'succeeded' })
  | (ServiceResultBase & { end: 'failed'; error: string; /** Set when the failed step was a metric check that could not tell. */ inconclusive?: true })
  | (ServiceResultBase & { end: 'cancelled' })
  | (ServiceResultBase & { end: 'rolled-back' })
  | (ServiceResultBase & { end: 'rollback-failed' });
export type ServiceEnd = ServiceResult['end'];

/** What a service child returned before ServiceResult (runs in flight across the upgrade replay it). */
export interface LegacyServiceOutcome {
  node?: string;
  nodesDown: string[];
  steps: StepProgress[];
  completed: CompletedStep[];
}

/** What an undo child returned before ServiceResult. */
export interface LegacyUndoOutcome {
  steps: StepProgress[];
  failures: RollbackFailure[];
}

/** What a finished run returns. */
export interface RunOutcome {
  runId: string;
  state: RunState;
  failure?: string;
  services: Record<string, string>;
  /** The run's last progress (see workflows/final-record.ts); absent in runs that ended before it was added. */
  final?: FinalRecord;
}

/** `ApplicationFailure.type` of a run that did not succeed; details[0] is its RunOutcome. */
export const RUN_NOT_SUCCEEDED = 'RunNotSucceeded';
