/** The view of a plan that `maestro plan` prints (and returns with --json). */
import { computeWaves, criticalPath } from './graph';
import { routeServices } from './routing';
import type { GateSpec, NodeSpec, NormalizedPlan, StrategySpec } from './types';

export interface ServiceSummary {
  name: string;
  /** Candidate nodes, preferred first (see `routeServices`). */
  nodes: string[];
  dependsOn: string[];
  /** Step names in order. */
  steps: string[];
  /** Sum of the steps' estimates. */
  estimateMs: number;
  /** The service's own approval gate, or null. */
  approval: GateSpec | null;
}

export interface WaveSummary {
  /** 1-based. */
  wave: number;
  /** The gate held before this wave starts, or null. */
  gate: GateSpec | null;
  services: ServiceSummary[];
}

export interface PlanSummary {
  name: string;
  source: string;
  workdir: string;
  strategy: StrategySpec;
  nodes: NodeSpec[];
  /** Who may approve; empty means anyone. */
  approvers: string[];
  waves: WaveSummary[];
  criticalPath: { services: string[]; lengthMs: number };
}

export function summarizePlan(plan: NormalizedPlan): PlanSummary {
  const routes = routeServices(plan);
  const byName = new Map(plan.services.map((s) => [s.name, s]));
  const waves = computeWaves(plan).map(
    (names, i): WaveSummary => ({
      wave: i + 1,
      gate: plan.approvals.gates.find((g) => g.beforeWave === i + 1) ?? null,
      services: names.flatMap((name) => {
        const service = byName.get(name);
        if (!service) return [];
        return [
          {
            name,
            nodes: routes[name] ?? [],
            dependsOn: service.dependsOn,
            steps: service.steps.map((s) => s.name),
            estimateMs: service.steps.reduce((sum, s) => sum + s.estimateMs, 0),
            approval: service.approval ?? null,
          },
        ];
      }),
    }),
  );
  return {
    name: plan.name,
    source: plan.source,
    workdir: plan.workdir,
    strategy: plan.strategy,
    nodes: plan.nodes,
    approvers: plan.approvals.approvers,
    waves,
    criticalPath: criticalPath(plan),
  };
}
