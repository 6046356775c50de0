/**
 * Synthetic plans: N services in a layered DAG (a diamond of layers: fan-out from a few roots,
 * fan-in to a few sinks), k steps each, step bodies real commands. Built as a plan object and
 * parsed by `parsePlanText`, so every generated plan is a valid NormalizedPlan.
 */
import { DEFAULT_NODES } from '../plan/defaults';
import { parsePlanText } from '../plan/parse';
import type { NormalizedPlan, StrategyMode } from '../plan/types';

export const STEP_BODIES = {
  /** A no-op: measures orchestration, not work. */
  noop: { run: ['true'], estimate: '1ms' },
  /** A fixed-length step: measures how close the makespan gets to the critical path. */
  sleep: { run: ['sleep', '1'], estimate: '1s' },
} as const;
export type StepBody = keyof typeof STEP_BODIES;

export interface PlanShape {
  /** Services in the plan. */
  services: number;
  /** Steps per service. */
  steps: number;
  /** Layers of the DAG (its depth in services). */
  depth: number;
  body: StepBody;
  mode: StrategyMode;
  /** Services in flight at once (the plan's `strategy.maxParallel`). */
  maxParallel: number;
}

/** Layer widths: a diamond profile (1, 3, 5, …, 3, 1 weights) scaled to `services`, every layer ≥ 1. */
export function layerWidths(services: number, depth: number): number[] {
  const layers = Math.max(1, Math.min(depth, services));
  const weights = Array.from({ length: layers }, (_, l) => 1 + 2 * Math.min(l, layers - 1 - l));
  const total = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => Math.max(1, Math.floor((w * services) / total)));
  // Hand out the rounding remainder to the widest layers first (the middle), or take it back there.
  const order = weights.map((w, i) => ({ w, i })).sort((a, b) => b.w - a.w || a.i - b.i);
  for (let k = 0, left = services - widths.reduce((a, b) => a + b, 0); left !== 0; k++) {
    const i = order[k % order.length]!.i;
    if (left > 0) {
      widths[i]!++;
      left--;
    } else if (widths[i]! > 1) {
      widths[i]!--;
      left++;
    }
  }
  return widths;
}

/**
 * Dependencies of service `j` of a layer of width `c` on the layer before (width `p`): the two
 * parents it maps onto, plus every parent that maps onto it, so each parent has a dependent
 * (fan-out where layers widen) and narrowing layers gather several parents (fan-in).
 */
export function parentsOf(j: number, p: number, c: number): number[] {
  const deps = new Set<number>([Math.floor((j * p) / c), (Math.floor((j * p) / c) + 1) % p]);
  for (let q = 0; q < p; q++) if (Math.floor((q * c) / p) === j) deps.add(q);
  return [...deps].sort((a, b) => a - b);
}

function serviceName(layer: number, index: number): string {
  return `l${layer + 1}-s${String(index).padStart(4, '0')}`;
}

export function planName(shape: PlanShape): string {
  return `bench-${shape.body}-${shape.services}x${shape.steps}-d${shape.depth}`;
}

/** The plan as a person would write it (a JSON object, which is also YAML). */
export function syntheticPlanObject(shape: PlanShape): Record<string, unknown> {
  const widths = layerWidths(shape.services, shape.depth);
  const body = STEP_BODIES[shape.body];
  const services: Record<string, unknown> = {};
  let n = 0;
  widths.forEach((width, layer) => {
    for (let j = 0; j < width; j++) {
      const dependsOn = layer === 0 ? [] : parentsOf(j, widths[layer - 1]!, width).map((q) => serviceName(layer - 1, q));
      services[serviceName(layer, j)] = {
        node: DEFAULT_NODES[n++ % DEFAULT_NODES.length]!.name,
        ...(dependsOn.length ? { dependsOn } : {}),
        steps: Array.from({ length: shape.steps }, (_, k) => ({ name: `step-${k + 1}`, run: [...body.run], estimate: body.estimate })),
      };
    }
  });
  return {
    apiVersion: 'maestro/v1',
    name: planName(shape),
    strategy: { mode: shape.mode, maxParallel: shape.maxParallel, onFailure: 'rollback' },
    defaults: { timeout: '1m', retry: { maxAttempts: 1 } },
    services,
  };
}

/** Generates and parses a synthetic plan; `baseDir` is its working directory (must exist). */
export function syntheticPlan(shape: PlanShape, baseDir: string): NormalizedPlan {
  const text = JSON.stringify(syntheticPlanObject(shape));
  const result = parsePlanText(text, { file: `${planName(shape)}.yaml`, baseDir });
  if (!result.ok) throw new Error(`generated plan is invalid:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`);
  return result.plan;
}
