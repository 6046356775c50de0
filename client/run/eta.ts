import { criticalPath } from '../../plan/graph';
import { durationModel, withModelDurations, type DurationSamples } from '../../plan/step-durations';
import { isSettled } from '../../plan/scheduling';
import type { NormalizedPlan, ServiceSpec } from '../../plan/types';
import type { RunProgress, StepProgress } from '../../workflows/progress';

/** How far a run is along its critical path. */
export interface RunEta {
  /** The plan's critical path by the duration model (plan/step-durations.ts). */
  criticalPath: string[];
  criticalPathMs: number;
  /** The longest chain of work still to do, by estimates less the time running steps have had. */
  remainingMs: number;
  /** 0..1: the share of the critical path done and standing (succeeded steps); a rolled-back run's is what was not undone. */
  fraction: number;
  /** Services settled, out of all. */
  settled: number;
  total: number;
}

/** Steps that will not run (again) in this run: nothing of theirs is left to wait for. */
const ENDED_STEP: ReadonlySet<StepProgress['state']> = new Set(['succeeded', 'failed', 'skipped', 'undone', 'undo-failed', 'undoing']);
const SUCCEEDED_STEP: ReadonlySet<StepProgress['state']> = new Set(['succeeded']);

/**
 * The ETA is the critical path of what is left: the same longest-chain computation as
 * `maestro plan`, over the remaining estimate of every step (zero when it will not run again,
 * the estimate less its elapsed time while it runs). Durations come from the one duration model
 * (plan/step-durations.ts): the p50 of past runs (`learned` samples), else the plan's estimate or
 * its default by kind — never a timeout.
 */
export function estimateRun(plan: Pick<NormalizedPlan, 'services'>, progress: RunProgress, nowMs = Date.now(), learned?: DurationSamples): RunEta {
  const services = withModelDurations(plan, durationModel(plan, learned));
  const full = criticalPath({ services });
  const remaining = criticalPath({ services: services.map((s) => remainingService(s, progress, nowMs, ENDED_STEP, true)) });
  const notDone = criticalPath({ services: services.map((s) => remainingService(s, progress, nowMs, SUCCEEDED_STEP, false)) });
  const all = Object.values(progress.services);
  return {
    criticalPath: full.services,
    criticalPathMs: full.lengthMs,
    remainingMs: remaining.lengthMs,
    fraction: full.lengthMs > 0 ? Math.min(1, Math.max(0, 1 - notDone.lengthMs / full.lengthMs)) : all.every((s) => s.state === 'succeeded') ? 1 : 0,
    settled: all.filter((s) => isSettled(s.state)).length,
    total: all.length,
  };
}

/** `spec` with each step's estimate reduced to what is left of it, counting the steps in `done` as finished. */
function remainingService(spec: ServiceSpec, progress: RunProgress, nowMs: number, done: ReadonlySet<StepProgress['state']>, settledIsDone: boolean): ServiceSpec {
  const service = progress.services[spec.name];
  const settled = settledIsDone && service ? isSettled(service.state) : false;
  return {
    ...spec,
    steps: spec.steps.map((step) => {
      const live = service?.steps.find((s) => s.name === step.name);
      if (settled || (live && done.has(live.state))) return { ...step, estimateMs: 0 };
      if (live?.state === 'running' && live.startedAt) return { ...step, estimateMs: Math.max(0, step.estimateMs - (nowMs - Date.parse(live.startedAt))) };
      return step;
    }),
  };
}
