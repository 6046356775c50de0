import { criticalPath } from '../../plan/graph';
import { isSettled } from '../../plan/scheduling';
import type { NormalizedPlan, ServiceSpec } from '../../plan/types';
import type { RunProgress, StepProgress } from '../../workflows/progress';

/** How far a run is along its critical path. */
export interface RunEta {
  /** The plan's critical path by step estimates. */
  criticalPath: string[];
  criticalPathMs: number;
  /** The longest chain of work still to do, by estimates less the time running steps have had. */
  remainingMs: number;
  /** 0..1: the share of the critical path done. */
  fraction: number;
  /** Services settled, out of all. */
  settled: number;
  total: number;
}

const DONE_STEP: ReadonlySet<StepProgress['state']> = new Set(['succeeded', 'failed', 'skipped', 'undone', 'undo-failed', 'undoing']);

/**
 * The ETA is the critical path of what is left: the same longest-chain computation as
 * `maestro plan`, over the remaining estimate of every step (zero when done, the estimate less
 * its elapsed time while it runs). Estimates that are too long make it pessimistic, never wrong
 * about the order of things.
 */
export function estimateRun(plan: Pick<NormalizedPlan, 'services'>, progress: RunProgress, nowMs = Date.now()): RunEta {
  const full = criticalPath(plan);
  const remaining = criticalPath({ services: plan.services.map((s) => remainingService(s, progress, nowMs)) });
  const services = Object.values(progress.services);
  return {
    criticalPath: full.services,
    criticalPathMs: full.lengthMs,
    remainingMs: remaining.lengthMs,
    fraction: full.lengthMs > 0 ? Math.min(1, Math.max(0, 1 - remaining.lengthMs / full.lengthMs)) : services.every((s) => isSettled(s.state)) ? 1 : 0,
    settled: services.filter((s) => isSettled(s.state)).length,
    total: services.length,
  };
}

function remainingService(spec: ServiceSpec, progress: RunProgress, nowMs: number): ServiceSpec {
  const service = progress.services[spec.name];
  const settled = service ? isSettled(service.state) : false;
  return {
    ...spec,
    steps: spec.steps.map((step) => {
      const live = service?.steps.find((s) => s.name === step.name);
      if (settled || (live && DONE_STEP.has(live.state))) return { ...step, estimateMs: 0 };
      if (live?.state === 'running' && live.startedAt) return { ...step, estimateMs: Math.max(0, step.estimateMs - (nowMs - Date.parse(live.startedAt))) };
      return step;
    }),
  };
}
