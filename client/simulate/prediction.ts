import type { DurationModel, Percentile } from '../../plan/step-durations';
import type { NormalizedPlan } from '../../plan/types';
import type { GateState, RunState, StepState } from '../../workflows/progress';
import type { ServiceState } from '../../plan/scheduling';
import type { InjectedFailure, SimulatedRun } from '../../workers/simulator/simulate';

/** Times are milliseconds from the start of the (simulated) run. */
export interface PredictedStep {
  name: string;
  state: StepState;
  attempts: number;
  startMs?: number;
  endMs?: number;
}

export interface PredictedService {
  name: string;
  wave: number;
  node?: string;
  state: ServiceState;
  startMs?: number;
  endMs?: number;
  steps: PredictedStep[];
}

export interface PredictedGate {
  id: string;
  state: GateState;
  openedAtMs?: number;
  decidedAtMs?: number;
  waitMs: number;
}

export interface PredictedUndo {
  service: string;
  step: string;
  node: string;
  startMs: number;
  endMs: number;
  outcome: 'succeeded' | 'failed' | 'cancelled';
}

/** What `maestro simulate` predicts (`--json` prints it). */
export interface Prediction {
  plan: string;
  /** How the run ends (with the p50 durations). */
  state: RunState;
  failure?: string;
  makespan: Record<Percentile, number>;
  /** The chain of services that ended last, each started when the one before it ended. */
  criticalPath: { services: string[]; ms: number };
  waves: Array<{ wave: number; startMs?: number; endMs?: number; services: PredictedService[] }>;
  gates: PredictedGate[];
  /** Undo commands in the order they ran: a failing service's own first, then the rollback's. */
  undo: PredictedUndo[];
  /** Each service's final state. */
  endState: Record<string, ServiceState>;
  injected: InjectedFailure[];
  /** Where the step durations came from: counts of steps. */
  durations: { learned: number; plan: number };
}

const offset = (iso: string | undefined, startMs: number) => (iso ? Date.parse(iso) - startMs : undefined);

/** Builds the prediction from the simulated runs (the first is p50). */
export function buildPrediction(plan: NormalizedPlan, model: DurationModel, runs: readonly SimulatedRun[], injected: InjectedFailure[]): Prediction {
  const run = runs.find((r) => r.percentile === 'p50') ?? runs[0]!;
  const { progress, startMs } = run;
  const services = Object.values(progress.services).map(
    (s): PredictedService => ({
      name: s.name,
      wave: s.wave,
      node: s.node,
      state: s.state,
      startMs: offset(s.startedAt, startMs),
      endMs: offset(s.endedAt, startMs),
      steps: s.steps.map((st) => ({ name: st.name, state: st.state, attempts: st.attempts, startMs: offset(st.startedAt, startMs), endMs: offset(st.endedAt, startMs) })),
    }),
  );
  const waves = progress.waves.map((names, i) => {
    const members = services.filter((s) => names.includes(s.name));
    const starts = members.flatMap((s) => (s.startMs === undefined ? [] : [s.startMs]));
    const ends = members.flatMap((s) => (s.endMs === undefined ? [] : [s.endMs]));
    return { wave: i + 1, startMs: starts.length ? Math.min(...starts) : undefined, endMs: ends.length ? Math.max(...ends) : undefined, services: members };
  });
  const learned = [...model.values()].filter((d) => d.source === 'learned').length;
  return {
    plan: plan.name,
    state: run.outcome.state,
    failure: run.outcome.failure,
    makespan: { p50: run.makespanMs, p90: (runs.find((r) => r.percentile === 'p90') ?? run).makespanMs },
    criticalPath: timelineCriticalPath(plan, services),
    waves,
    gates: progress.gates.map((g) => {
      const openedAtMs = offset(g.openedAt, startMs);
      const decidedAtMs = offset(g.decidedAt, startMs);
      return { id: g.id, state: g.state, openedAtMs, decidedAtMs, waitMs: openedAtMs !== undefined && decidedAtMs !== undefined ? decidedAtMs - openedAtMs : 0 };
    }),
    undo: run.activities
      .filter((a) => a.phase === 'undo')
      .map((a) => ({ service: a.service, step: a.step, node: a.node, startMs: a.startMs - startMs, endMs: a.endMs - startMs, outcome: a.outcome })),
    endState: Object.fromEntries(services.map((s) => [s.name, s.state])),
    injected,
    durations: { learned, plan: model.size - learned },
  };
}

/**
 * The critical path of the simulated timeline: from the service that ended last, back through
 * the dependency that ended last before it, to a service that waited on none.
 */
export function timelineCriticalPath(plan: Pick<NormalizedPlan, 'services'>, services: readonly PredictedService[]): { services: string[]; ms: number } {
  const byName = new Map(services.map((s) => [s.name, s]));
  const ran = services.filter((s) => s.endMs !== undefined && s.startMs !== undefined);
  if (ran.length === 0) return { services: [], ms: 0 };
  let at: PredictedService | undefined = ran.reduce((a, b) => (b.endMs! > a.endMs! ? b : a));
  const chain: string[] = [];
  const end = at.endMs!;
  let first = at.startMs!;
  while (at) {
    chain.unshift(at.name);
    first = at.startMs!;
    const spec = plan.services.find((s) => s.name === at!.name);
    const deps: PredictedService[] = (spec?.dependsOn ?? []).flatMap((d) => {
      const dep = byName.get(d);
      return dep && dep.endMs !== undefined && dep.startMs !== undefined ? [dep] : [];
    });
    at = deps.length ? deps.reduce((a, b) => (b.endMs! > a.endMs! ? b : a)) : undefined;
  }
  return { services: chain, ms: end - first };
}
