/** A schema-valid, semantically checked plan → the NormalizedPlan workflows receive. */
import { MAX_SERVICES_IN_FLIGHT, PLAN_DEFAULTS, mergeNodes } from './defaults';
import { resolvePath } from './posix-path';
import { NOTIFY_DEFAULTS, NOTIFY_EVENTS, mergeNotify, type NotifySpec } from './notify';
import { LIMITS } from './limits';
import type { BackgroundCheckInput, NodesInput, NotifyInput, PlanInput, ServiceInput, StepInput } from './schema';
import type { AnalysisEnd, BackgroundCheck, ScheduleSpec, CheckSpec, CommandSpec, MetricCondition, EnvValue, GateSpec, NodeSpec, NormalizedPlan, RetrySpec, RunStep, ServiceSpec, StepSpec, WaveGate } from './types';
import { PLAN_API_VERSION } from './types';

export interface NormalizeContext {
  /** Absolute path of the plan file, or '<inline>'. */
  source: string;
  /** Absolute folder a relative `workdir` is resolved against. */
  baseDir: string;
  /** Nodes from a cluster file, if any. */
  clusterNodes?: readonly NodeSpec[];
  /** Notifications from a cluster file, if any. */
  clusterNotify?: NotifySpec;
  /** Windows and freezes from a cluster file, if any. */
  clusterSchedule?: ScheduleSpec;
  /** Service names as written; default: the input object's key order. */
  serviceOrder?: readonly string[];
  /** Node names as written in the plan; default: the input object's key order. */
  nodeOrder?: readonly string[];
}

interface StepDefaults {
  workdir: string;
  timeoutMs: number;
  retry: RetrySpec;
}

export function normalizePlan(input: PlanInput, context: NormalizeContext): NormalizedPlan {
  const workdir = resolvePath(context.baseDir, input.workdir ?? PLAN_DEFAULTS.workdir);
  const defaults: StepDefaults = {
    workdir,
    timeoutMs: input.defaults?.timeout ?? PLAN_DEFAULTS.step.timeoutMs,
    retry: mergeRetry({ ...PLAN_DEFAULTS.retry }, input.defaults?.retry),
  };
  const strategy = input.strategy ?? {};
  const approvals = input.approvals ?? {};
  // Absent rather than empty: plans without notifications stay as they were (signatures, histories).
  const notify = mergeNotify(context.clusterNotify, input.notify ? normalizeNotify(input.notify) : undefined);
  return {
    apiVersion: PLAN_API_VERSION,
    name: input.name,
    source: context.source,
    workdir,
    nodes: mergeNodes(context.clusterNodes, input.nodes ? toNodeSpecs(input.nodes, context.nodeOrder) : undefined),
    strategy: {
      mode: strategy.mode ?? PLAN_DEFAULTS.strategy.mode,
      maxParallel: Math.min(strategy.maxParallel ?? PLAN_DEFAULTS.strategy.maxParallel, MAX_SERVICES_IN_FLIGHT),
      onFailure: strategy.onFailure ?? PLAN_DEFAULTS.strategy.onFailure,
      nodeTimeoutMs: strategy.nodeTimeout ?? PLAN_DEFAULTS.strategy.nodeTimeoutMs,
    },
    approvals: {
      approvers: [...(approvals.approvers ?? [])],
      allowSelfApproval: approvals.allowSelfApproval ?? PLAN_DEFAULTS.approvals.allowSelfApproval,
      gates: (approvals.gates ?? []).map((g): WaveGate => ({ kind: 'wave', beforeWave: g.beforeWave, ...normalizeGate(g) })).sort((a, b) => a.beforeWave - b.beforeWave),
    },
    services: orderedEntries(input.services, context.serviceOrder).map(([name, service]) => normalizeService(name, service, defaults)),
    schedule: {
      // The plan's windows replace the cluster's (a plan may ask for a narrower one); every freeze holds.
      windows: input.windows ?? context.clusterSchedule?.windows ?? [],
      freezes: [...(context.clusterSchedule?.freezes ?? []), ...(input.freezes ?? [])],
    },
    ...(notify ? { notify } : {}),
  };
}

/** A validated `notify:` map (plan or cluster file) → its normalized form. */
export function normalizeNotify(input: NotifyInput): NotifySpec {
  return {
    targets: input.webhooks.map((w) => ({
      kind: 'webhook',
      url: typeof w.webhook === 'string' ? w.webhook : { fromEnv: w.webhook.fromEnv },
      format: w.format ?? NOTIFY_DEFAULTS.format,
      events: w.on ? NOTIFY_EVENTS.filter((e) => w.on!.includes(e)) : [...NOTIFY_EVENTS],
    })),
    giveUpAfterMs: input.giveUpAfter ?? NOTIFY_DEFAULTS.giveUpAfterMs,
  };
}

/** Entries in written order; keys the order does not know (from merge keys) keep their place after it. */
function orderedEntries<T>(map: Record<string, T>, order: readonly string[] | undefined): [string, T][] {
  const entries = Object.entries(map);
  if (!order) return entries;
  const rank = new Map(order.map((name, i) => [name, i]));
  const rankOf = (name: string, index: number) => rank.get(name) ?? order.length + index;
  return entries
    .map((entry, index) => ({ entry, rank: rankOf(entry[0], index) }))
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.entry);
}

/** Nodes of a validated `nodes:` map. */
export function toNodeSpecs(nodes: NodesInput, order?: readonly string[]): NodeSpec[] {
  return orderedEntries(nodes, order).map(([name, n]) => ({ name, os: n.os, arch: n.arch, roles: [...(n.roles ?? [])] }));
}

function normalizeService(name: string, input: ServiceInput, defaults: StepDefaults): ServiceSpec {
  const service: ServiceSpec = {
    name,
    dependsOn: [...new Set(input.dependsOn ?? [])],
    steps: (input.steps ?? []).map((step) => normalizeStep(step, defaults)),
  };
  if (input.node !== undefined) service.node = input.node;
  if (input.requires !== undefined) {
    service.requires = { ...input.requires };
    if (input.requires.roles) service.requires.roles = [...input.requires.roles];
  }
  if (input.approval !== undefined) service.approval = { kind: 'service', service: name, ...normalizeGate(input.approval) };
  if (input.analysis?.length) service.analysis = input.analysis.map(normalizeBackgroundCheck);
  return service;
}

function normalizeGate(input: { timeout?: number; onTimeout?: GateSpec['onTimeout']; minApprovals?: number }): Omit<GateSpec, 'kind' | 'beforeWave' | 'service'> {
  return {
    timeoutMs: input.timeout ?? PLAN_DEFAULTS.gate.timeoutMs,
    onTimeout: input.onTimeout ?? PLAN_DEFAULTS.gate.onTimeout,
    minApprovals: input.minApprovals ?? PLAN_DEFAULTS.gate.minApprovals,
  };
}

function normalizeStep(input: StepInput, defaults: StepDefaults): StepSpec {
  const base = {
    name: input.name,
    timeoutMs: input.timeout ?? defaults.timeoutMs,
    retry: mergeRetry(defaults.retry, input.retry),
    env: normalizeEnv(input.env),
    cwd: input.cwd === undefined ? defaults.workdir : resolvePath(defaults.workdir, input.cwd),
  };
  if (input.run !== undefined) {
    const step: RunStep = { ...base, kind: 'run', run: toCommand(input.run), estimateMs: input.estimate ?? PLAN_DEFAULTS.estimate.runMs };
    if (input.undo !== undefined) step.undo = toCommand(input.undo);
    return step;
  }
  if (input.check !== undefined) {
    const check = normalizeCheck(input.check, input.timeout);
    // A check is bounded by its own timeout, so that is the step's too.
    return { ...base, kind: 'check', check, timeoutMs: check.timeoutMs, estimateMs: input.estimate ?? check.successes * check.intervalMs };
  }
  // The schema and the semantic checks leave a wait as the only other kind.
  const waitMs = input.wait ?? 0;
  return { ...base, kind: 'wait', waitMs, estimateMs: input.estimate ?? waitMs };
}

function normalizeBackgroundCheck(input: BackgroundCheckInput): BackgroundCheck {
  const { name, for: forMs, ...probe } = input;
  const until: AnalysisEnd = forMs === undefined ? { kind: 'run-end' } : { kind: 'window', forMs };
  // successes and timeout do not apply: one good probe is enough to be good, and the window is the end.
  const check = normalizeCheck({ ...probe, successes: 1, timeout: forMs ?? LIMITS.durationMs }, undefined);
  return { name, check, until };
}

function normalizeCheck(input: NonNullable<StepInput['check']>, stepTimeout: number | undefined): CheckSpec {
  const d = PLAN_DEFAULTS.check;
  const probe = {
    successes: input.successes ?? d.successes,
    failures: input.failures ?? d.failures,
    intervalMs: input.interval ?? d.intervalMs,
    timeoutMs: input.timeout ?? stepTimeout ?? d.timeoutMs,
  };
  if (input.prometheus !== undefined) {
    const p = input.prometheus;
    const condition = p.successCondition !== undefined ? { success: parseCondition(p.successCondition) } : { failure: parseCondition(p.failureCondition ?? '') };
    return { kind: 'prometheus', prometheus: { url: p.url, query: p.query, condition, inconclusive: p.inconclusive ?? PLAN_DEFAULTS.check.inconclusive }, ...probe };
  }
  if (input.http !== undefined) {
    return { kind: 'http', http: input.http, status: input.status ?? d.status, ...probe, ...(input.bodyIncludes === undefined ? {} : { bodyIncludes: input.bodyIncludes }) };
  }
  return { kind: 'tcp', tcp: input.tcp ?? '', ...probe };
}

/** `"< 0.05"` → `{ op: '<', value: 0.05 }`; the schema has checked the form. */
function parseCondition(text: string): MetricCondition {
  const match = /^\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/.exec(text);
  return { op: (match?.[1] ?? '==') as MetricCondition['op'], value: Number(match?.[2]) };
}

function mergeRetry(base: RetrySpec, input: NonNullable<StepInput['retry']> | undefined): RetrySpec {
  return {
    maxAttempts: input?.maxAttempts ?? base.maxAttempts,
    initialIntervalMs: input?.initialInterval ?? base.initialIntervalMs,
    backoff: input?.backoff ?? base.backoff,
  };
}

function toCommand(input: string | string[]): CommandSpec {
  return typeof input === 'string' ? { shell: input } : { argv: [...input] };
}

function normalizeEnv(input: StepInput['env']): Record<string, EnvValue> {
  const env: Record<string, EnvValue> = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    env[key] = typeof value === 'object' ? { fromEnv: value.fromEnv } : String(value);
  }
  return env;
}
