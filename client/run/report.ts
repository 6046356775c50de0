import { criticalPath } from '../../plan/graph';
import type { ServiceState } from '../../plan/scheduling';
import type { NormalizedPlan } from '../../plan/types';
import type { AnalysisProgress, AuditEntry, RollbackFailure, RunProgress, RunState, StepState } from '../../workflows/progress';
import { signatureLine } from './view';

/** The completion report of one run (`maestro report <id>`); plain JSON. */
export interface RunReport {
  runId: string;
  plan: string;
  state: RunState;
  startedBy?: string;
  /** Who signed the plan (signatureLine). */
  signature: string;
  startedAt: string;
  endedAt?: string;
  /** Start to end: the actual makespan. Undefined while the run goes on. */
  durationMs?: number;
  failure?: string;
  waves: WaveReport[];
  services: ServiceReport[];
  rollbacks: { services: string[]; undoneSteps: string[]; failures: RollbackFailure[] };
  approvals: ApprovalReport[];
  /** Background checks (`services.<name>.analysis`), as the run recorded them; absent when the plan has none. */
  analyses?: AnalysisProgress[];
  /** Every operator action, refused ones included. */
  audit: AuditEntry[];
  attempts: { total: number; retried: Array<{ service: string; step: string; attempts: number }> };
  /** Undefined when the run's input (its plan) could not be read. */
  criticalPath?: CriticalPathReport;
}

export interface WaveReport {
  wave: number;
  services: string[];
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
}

export interface ServiceReport {
  name: string;
  wave: number;
  node?: string;
  outcome: ServiceState;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** Activity attempts over all its steps. */
  attempts: number;
  steps: Array<{ name: string; state: StepState; node?: string; attempts: number; durationMs?: number; error?: string }>;
  nodesDown: string[];
  error?: string;
}

export interface ApprovalReport {
  gate: string;
  state: string;
  openedAt?: string;
  decidedAt?: string;
  /** How long the gate held the run. */
  waitedMs?: number;
  approvals: Array<{ approver: string; at: string; comment?: string }>;
  decidedBy?: string;
  reason?: string;
}

export interface CriticalPathReport {
  /** The plan's critical path by step estimates. */
  planned: { services: string[]; estimateMs: number };
  /** The longest dependency chain by the services' actual durations. */
  actual: { services: string[]; ms: number };
  /** Actual makespan over the planned critical path: 1 means no time lost to waiting. */
  makespanRatio?: number;
}

const span = (from?: string, to?: string): number | undefined => (from && to ? Date.parse(to) - Date.parse(from) : undefined);
const earliest = (xs: (string | undefined)[]) => xs.filter((x): x is string => !!x).sort()[0];
const latest = (xs: (string | undefined)[]) => xs.filter((x): x is string => !!x).sort().pop();

export function buildRunReport(p: RunProgress, plan?: Pick<NormalizedPlan, 'services'>): RunReport {
  const services = p.waves.flat().map((name): ServiceReport => {
    const s = p.services[name]!;
    return {
      name,
      wave: s.wave,
      node: s.node,
      outcome: s.state,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      durationMs: span(s.startedAt, s.endedAt),
      attempts: s.steps.reduce((n, step) => n + step.attempts, 0),
      steps: s.steps.map((step) => ({ name: step.name, state: step.state, node: step.node, attempts: step.attempts, durationMs: span(step.startedAt, step.endedAt), error: step.error ?? step.undoError })),
      nodesDown: s.nodesDown,
      error: s.error,
    };
  });
  const durationMs = span(p.startedAt, p.endedAt);
  return {
    runId: p.runId,
    plan: p.plan,
    state: p.state,
    startedBy: p.startedBy,
    signature: signatureLine(p.signed),
    startedAt: p.startedAt,
    endedAt: p.endedAt,
    durationMs,
    failure: p.failure,
    waves: p.waves.map((names, i) => {
      const members = names.map((n) => p.services[n]);
      const startedAt = earliest(members.map((s) => s?.startedAt));
      const endedAt = latest(members.map((s) => s?.endedAt));
      return { wave: i + 1, services: names, startedAt, endedAt, durationMs: span(startedAt, endedAt) };
    }),
    services,
    rollbacks: {
      services: services.filter((s) => s.outcome === 'rolled-back' || s.outcome === 'rollback-failed').map((s) => s.name),
      undoneSteps: services.flatMap((s) => s.steps.filter((x) => x.state === 'undone').map((x) => `${s.name}/${x.name}`)),
      failures: p.rollbackFailures,
    },
    approvals: p.gates
      .filter((g) => g.state !== 'waiting')
      .map((g) => ({ gate: g.id, state: g.state, openedAt: g.openedAt, decidedAt: g.decidedAt, waitedMs: span(g.openedAt, g.decidedAt), approvals: g.approvals, decidedBy: g.decidedBy, reason: g.reason })),
    ...(p.analyses?.length ? { analyses: p.analyses } : {}),
    audit: p.audit,
    attempts: {
      total: services.reduce((n, s) => n + s.attempts, 0),
      retried: services.flatMap((s) => s.steps.filter((x) => x.attempts > 1).map((x) => ({ service: s.name, step: x.name, attempts: x.attempts }))),
    },
    criticalPath: plan ? criticalPathReport(plan, services, durationMs) : undefined,
  };
}

function criticalPathReport(plan: Pick<NormalizedPlan, 'services'>, services: ServiceReport[], makespanMs?: number): CriticalPathReport {
  const planned = criticalPath(plan);
  const took = new Map(services.map((s) => [s.name, s.durationMs ?? 0]));
  // The same longest-chain computation, each service weighing what it actually took.
  const actual = criticalPath({
    services: plan.services.map((s) => ({ ...s, steps: s.steps.slice(0, 1).map((step) => ({ ...step, estimateMs: took.get(s.name) ?? 0 })) })),
  });
  return {
    planned: { services: planned.services, estimateMs: planned.lengthMs },
    actual: { services: actual.services, ms: actual.lengthMs },
    makespanRatio: makespanMs !== undefined && planned.lengthMs > 0 ? Number((makespanMs / planned.lengthMs).toFixed(3)) : undefined,
  };
}
