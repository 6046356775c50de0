/**
 * How long a step is expected to take: one model for `simulate`, `status` and `watch`.
 *
 * In order: what the plan's past runs measured (p50 and p90 per step), else the plan's own
 * expectation (`estimate:`, else a `wait`'s length, else the default of its kind, see
 * `PLAN_DEFAULTS.estimate` — normalize.ts applies it). Never the step's timeout: a timeout is the
 * most a step may take, and counting it as the duration made a 1-minute deploy look like an hour.
 */
import type { NormalizedPlan, ServiceSpec, StepSpec } from './types';

export interface StepDuration {
  /** The median: what the step usually takes. */
  p50Ms: number;
  /** What it takes on a slow day; equal to p50 without measurements. */
  p90Ms: number;
  /** `learned` from past runs, or the `plan`'s estimate (explicit, a wait, or the default). */
  source: 'learned' | 'plan';
  /** Measurements behind a learned duration. */
  samples: number;
}

/** Measured durations of successful steps, by `stepKey`. */
export type DurationSamples = ReadonlyMap<string, readonly number[]>;

export type DurationModel = ReadonlyMap<string, StepDuration>;

export type Percentile = 'p50' | 'p90';

export function stepKey(service: string, step: string): string {
  return `${service}/${step}`;
}

/** The `q` quantile (0..1) of `values`, interpolated between the two nearest ranks; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lower = Math.floor(pos);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return Math.round(sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (pos - lower));
}

/** One step's expected duration. A `wait` is a timer: its length is known, whatever was measured. */
export function stepDuration(service: string, step: StepSpec, samples?: DurationSamples): StepDuration {
  const measured = step.kind === 'wait' ? undefined : samples?.get(stepKey(service, step.name));
  if (measured && measured.length > 0) return { p50Ms: quantile(measured, 0.5), p90Ms: quantile(measured, 0.9), source: 'learned', samples: measured.length };
  return { p50Ms: step.estimateMs, p90Ms: step.estimateMs, source: 'plan', samples: 0 };
}

/** Every step's expected duration, by `stepKey`. */
export function durationModel(plan: Pick<NormalizedPlan, 'services'>, samples?: DurationSamples): DurationModel {
  const model = new Map<string, StepDuration>();
  for (const service of plan.services) for (const step of service.steps) model.set(stepKey(service.name, step.name), stepDuration(service.name, step, samples));
  return model;
}

/** The plan's services with each step's `estimateMs` set to the model's duration, for the critical-path computations. */
export function withModelDurations(plan: Pick<NormalizedPlan, 'services'>, model: DurationModel, percentile: Percentile = 'p50'): ServiceSpec[] {
  return plan.services.map((service) => ({
    ...service,
    steps: service.steps.map((step) => {
      const d = model.get(stepKey(service.name, step.name));
      return d ? { ...step, estimateMs: percentile === 'p50' ? d.p50Ms : d.p90Ms } : step;
    }),
  }));
}

/** Durations (ms) of the steps that succeeded in one past run, as `collectSamples` takes them. */
export interface MeasuredStep {
  service: string;
  step: string;
  ms: number;
}

/** Gathers the measurements of several runs into samples, keeping at most `perStep` (the most recent first in `runs`). */
export function collectSamples(runs: readonly (readonly MeasuredStep[])[], perStep = 20): Map<string, number[]> {
  const samples = new Map<string, number[]>();
  for (const run of runs) {
    for (const m of run) {
      const key = stepKey(m.service, m.step);
      const list = samples.get(key) ?? [];
      if (list.length < perStep && Number.isFinite(m.ms) && m.ms >= 0) list.push(m.ms);
      samples.set(key, list);
    }
  }
  return samples;
}
