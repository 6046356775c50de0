import type { DeployWindow, Freeze } from './windows';
/**
 * The normalized plan: what `parsePlan` produces and what workflows receive.
 * Durations are milliseconds, defaults are applied, paths are absolute.
 * Everything here is plain JSON (it travels in workflow history), and holds no secret
 * values: `fromEnv` references are resolved on the worker that runs the step.
 */
import type { NotifySpec } from './notify';

export const PLAN_API_VERSION = 'maestro/v1' as const;

export const STRATEGY_MODES = ['waves', 'dag'] as const;
export type StrategyMode = (typeof STRATEGY_MODES)[number];

export const ON_FAILURE = ['rollback', 'pause', 'continue'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

export const ON_TIMEOUT = ['reject', 'approve'] as const;
export type OnTimeout = (typeof ON_TIMEOUT)[number];

export interface NodeSpec {
  /** Node name; also the name of its task queue (see `nodeTaskQueue`). */
  name: string;
  os: string;
  arch: string;
  roles: string[];
}

/** A node requirement: every given field must match. */
export interface Requirements {
  os?: string;
  arch?: string;
  /** All of these roles must be present on the node. */
  roles?: string[];
}

export interface RetrySpec {
  /** Attempts in total, including the first. Default 3. */
  maxAttempts: number;
  /** Delay before the second attempt. Default 2s. */
  initialIntervalMs: number;
  /** Multiplier between delays. Default 2. */
  backoff: number;
}

/** A command: an argv list (no shell) or a string run by `/bin/sh -c`. */
export type CommandSpec = { argv: string[] } | { shell: string };

/** An environment value: a literal, or the name of a variable read on the worker. */
export type EnvValue = string | { fromEnv: string };

/** What every probe of a check shares. */
interface ProbeSpec {
  /** Consecutive good probes needed to pass. Default 1. */
  successes: number;
  /** Consecutive bad probes that fail the check. Default 3. */
  failures: number;
  /** Between probes. Default 1s. */
  intervalMs: number;
  /** The whole check gives up after this. Default 60s. */
  timeoutMs: number;
}

/** An HTTP(S) GET that must answer `status` (and contain `bodyIncludes`, if given). */
export interface HttpCheck extends ProbeSpec {
  kind: 'http';
  /** The URL probed. */
  http: string;
  /** Expected HTTP status. Default 200. */
  status: number;
  /** The body must contain this text. */
  bodyIncludes?: string;
}

/** A TCP connect to `host:port`. */
export interface TcpCheck extends ProbeSpec {
  kind: 'tcp';
  /** `host:port`. */
  tcp: string;
}

/** `<op> <number>`, applied to every value a query returns. */
export interface MetricCondition {
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
}

/** What an inconclusive probe (empty result, query error) means. */
export const INCONCLUSIVE_ACTIONS = ['pause', 'wait', 'fail'] as const;
export type InconclusiveAction = (typeof INCONCLUSIVE_ACTIONS)[number];

/** A Prometheus instant query whose values must meet a condition. */
export interface PrometheusCheck extends ProbeSpec {
  kind: 'prometheus';
  prometheus: {
    /** Base URL of the Prometheus server (its HTTP API is under /api/v1). */
    url: string;
    /** PromQL, evaluated as an instant query at each probe. */
    query: string;
    /** Exactly one: every value must meet `success`, or any value meeting `failure` is bad. */
    condition: { success: MetricCondition } | { failure: MetricCondition };
    /**
     * An empty result or a query error is inconclusive, never good. `pause` (default): `failures`
     * inconclusive probes in a row (or still inconclusive at the timeout) end the check as
     * CheckInconclusive, and the run waits for an operator's `decide` whatever its onFailure;
     * `wait`: it counts neither way, and a check still inconclusive at its timeout fails as
     * CheckInconclusive (then onFailure applies); `fail`: it counts as a bad probe.
     */
    inconclusive: InconclusiveAction;
  };
}

/** A health check; `kind` names the probe, so another kind is one more member here. */
export type CheckSpec = HttpCheck | TcpCheck | PrometheusCheck;
export const CHECK_KINDS = ['http', 'tcp', 'prometheus'] as const satisfies readonly CheckSpec['kind'][];
export type CheckKind = CheckSpec['kind'];

export const STEP_KINDS = ['run', 'check', 'wait'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** What every step has, whatever it does. */
interface StepBase {
  name: string;
  /** Per attempt, for run steps; for checks the check's own timeout. */
  timeoutMs: number;
  retry: RetrySpec;
  /** Extra environment for run/undo. */
  env: Record<string, EnvValue>;
  /** Absolute working directory of the commands. */
  cwd: string;
  /** Expected duration, for the critical path; defaults to the wait, the check timeout or the timeout. */
  estimateMs: number;
}

/** Runs a command on the service's node; the only kind that can be undone. */
export interface RunStep extends StepBase {
  kind: 'run';
  run: CommandSpec;
  /** How to undo the step once it completed. */
  undo?: CommandSpec;
}

/** Probes until the check passes or fails. */
export interface CheckStep extends StepBase {
  kind: 'check';
  check: CheckSpec;
}

/** A durable timer. */
export interface WaitStep extends StepBase {
  kind: 'wait';
  waitMs: number;
}

export type StepSpec = RunStep | CheckStep | WaitStep;

/** What every gate has. */
interface GateBase {
  timeoutMs: number;
  onTimeout: OnTimeout;
  /** Distinct approvers needed. Default 1. */
  minApprovals: number;
}

/** Holds a whole wave (from `approvals.gates`). */
export interface WaveGate extends GateBase {
  kind: 'wave';
  /** 1-based wave index the gate holds. */
  beforeWave: number;
}

/** Holds one service (from `services.<name>.approval`). */
export interface ServiceGate extends GateBase {
  kind: 'service';
  service: string;
}

export type GateSpec = WaveGate | ServiceGate;
export type GateKind = GateSpec['kind'];

/**
 * How long a background check runs once its service succeeded: a window of its own (a bake: the
 * run does not end before it has passed), or until every service of the run has settled.
 */
export type AnalysisEnd = { kind: 'window'; forMs: number } | { kind: 'run-end' };
export const ANALYSIS_ENDS = ['window', 'run-end'] as const satisfies readonly AnalysisEnd['kind'][];

/**
 * A background check (`services.<name>.analysis`): probes the service from the moment its steps
 * succeeded while later waves go on; `failures` bad probes in a row trigger the plan's onFailure.
 * `check.successes` is 1 and `check.timeoutMs` the window (or LIMITS.durationMs): neither applies.
 */
export interface BackgroundCheck {
  name: string;
  check: CheckSpec;
  until: AnalysisEnd;
}

export interface ServiceSpec {
  name: string;
  dependsOn: string[];
  /** Pinned node. */
  node?: string;
  requires?: Requirements;
  steps: StepSpec[];
  /** A gate held before this service starts. */
  approval?: ServiceGate;
  /** Background checks started when the service succeeded; absent when there are none (plans before them stay as they were). */
  analysis?: BackgroundCheck[];
}

export interface StrategySpec {
  mode: StrategyMode;
  /** Services in flight at once. Default 4; at most MAX_SERVICES_IN_FLIGHT (1,000). */
  maxParallel: number;
  onFailure: OnFailure;
  /** A node whose worker does not pick up a task within this counts as down. Default 30s. */
  nodeTimeoutMs: number;
}

export interface ApprovalsSpec {
  /** Allow list; empty means anyone may approve. */
  approvers: string[];
  /** May the operator who started the run approve its gates? Default true. */
  allowSelfApproval: boolean;
  gates: WaveGate[];
}

/** When new waves may start: the plan's windows and freezes, then the cluster file's. */
export interface ScheduleSpec {
  /** Empty: any time. */
  windows: DeployWindow[];
  freezes: Freeze[];
}

export interface NormalizedPlan {
  apiVersion: typeof PLAN_API_VERSION;
  name: string;
  /** Absolute path of the plan file, or '<inline>'. */
  source: string;
  /** Absolute default working directory. */
  workdir: string;
  nodes: NodeSpec[];
  strategy: StrategySpec;
  approvals: ApprovalsSpec;
  /** In the order written in the plan. */
  services: ServiceSpec[];
  /** Webhooks told about gates, decisions, rollbacks and the end (plan/notify.ts); absent when there are none. */
  notify?: NotifySpec;
  /** Absent in plans recorded before windows existed (they had none). */
  schedule?: ScheduleSpec;
}
