/**
 * The normalized plan: what `parsePlan` produces and what workflows receive.
 * Durations are milliseconds, defaults are applied, paths are absolute.
 * Everything here is plain JSON (it travels in workflow history), and holds no secret
 * values: `fromEnv` references are resolved on the worker that runs the step.
 */

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

export interface CheckSpec {
  /** Exactly one of http / tcp. `http` is a URL, `tcp` is `host:port`. */
  http?: string;
  tcp?: string;
  /** Expected HTTP status. Default 200. */
  status: number;
  /** The body must contain this text. */
  bodyIncludes?: string;
  /** Consecutive good probes needed to pass. Default 1. */
  successes: number;
  /** Consecutive bad probes that fail the check. Default 3. */
  failures: number;
  /** Between probes. Default 1s. */
  intervalMs: number;
  /** The whole check gives up after this. Default 60s. */
  timeoutMs: number;
}

export type StepKind = 'run' | 'check' | 'wait';

export interface StepSpec {
  name: string;
  kind: StepKind;
  /** kind 'run' */
  run?: CommandSpec;
  /** How to undo a completed `run` step. Only `run` steps may have one. */
  undo?: CommandSpec;
  /** kind 'check' */
  check?: CheckSpec;
  /** kind 'wait': a durable timer. */
  waitMs?: number;
  /** Per attempt, for run steps; for checks the check's own timeout applies. */
  timeoutMs: number;
  retry: RetrySpec;
  /** Extra environment for run/undo. */
  env: Record<string, EnvValue>;
  /** Absolute working directory of the commands. */
  cwd: string;
  /** Expected duration, for the critical path; defaults to the wait, the check timeout or the timeout. */
  estimateMs: number;
}

export interface GateSpec {
  /** 1-based wave index the gate holds, or undefined for a per-service gate. */
  beforeWave?: number;
  /** Service the gate holds (from `services.<name>.approval`). */
  service?: string;
  timeoutMs: number;
  onTimeout: OnTimeout;
  /** Distinct approvers needed. Default 1. */
  minApprovals: number;
}

export interface ServiceSpec {
  name: string;
  dependsOn: string[];
  /** Pinned node. */
  node?: string;
  requires?: Requirements;
  steps: StepSpec[];
  /** A gate held before this service starts. */
  approval?: GateSpec;
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
  gates: GateSpec[];
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
}
