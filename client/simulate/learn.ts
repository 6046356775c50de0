import type { Client } from '@temporalio/client';
import { collectSamples, quantile, type MeasuredStep } from '../../plan/step-durations';
import type { Overheads } from '../../workers/simulator/simulate';
import type { RunProgress } from '../../workflows/progress';
import { pastRunProgress } from '../run/learned';

/** Past runs read, newest first. */
export const LEARN_FROM_RUNS = 10;
/** Reading past runs gives up after this: a prediction without history beats no prediction. */
const LEARN_TIMEOUT_MS = 5_000;

/** What the steps of one run that succeeded took. */
export function measuredSteps(progress: RunProgress): MeasuredStep[] {
  return Object.values(progress.services).flatMap((s) =>
    s.steps.flatMap((st) => (st.state === 'succeeded' && st.startedAt && st.endedAt ? [{ service: s.name, step: st.name, ms: Date.parse(st.endedAt) - Date.parse(st.startedAt) }] : [])),
  );
}

/**
 * What each service took beyond its steps: from the moment it could start (the end of the last
 * service before it — its dependencies, the wave barrier or a free slot — or the run's start)
 * to its end, less its steps' own durations. Child start, workflow tasks, the result reaching
 * the parent: Maestro's own share of a run, as this machine and server showed it.
 */
export function serviceOverheads(progress: RunProgress): number[] {
  const services = Object.values(progress.services);
  const runStart = Date.parse(progress.startedAt);
  const ends = services.flatMap((s) => (s.endedAt && s.state === 'succeeded' ? [Date.parse(s.endedAt)] : []));
  return services.flatMap((s) => {
    if (!s.startedAt || !s.endedAt || s.state !== 'succeeded') return [];
    const start = Date.parse(s.startedAt);
    const ready = Math.max(runStart, ...ends.filter((e) => e <= start));
    const steps = s.steps.reduce((sum, st) => sum + (st.startedAt && st.endedAt ? Date.parse(st.endedAt) - Date.parse(st.startedAt) : 0), 0);
    return [Math.max(0, Date.parse(s.endedAt) - ready - steps)];
  });
}

/** From the last service's end to the run's. */
export function runEndOverhead(progress: RunProgress): number[] {
  const ends = Object.values(progress.services).flatMap((s) => (s.endedAt ? [Date.parse(s.endedAt)] : []));
  return progress.endedAt && ends.length ? [Math.max(0, Date.parse(progress.endedAt) - Math.max(...ends))] : [];
}

export interface History {
  samples: Map<string, number[]>;
  /** Learned overheads, when any run showed a service waiting for another. */
  overheads?: Overheads;
}

/**
 * Step durations of the plan's most recent successful runs (their final records: no worker
 * needed). Whatever cannot be read in time is left out.
 */
export async function learnHistory(client: Client, plan: string, limit = LEARN_FROM_RUNS): Promise<History> {
  const read = () => pastRunProgress(client, plan, limit);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RunProgress[]>((resolve) => (timer = setTimeout(() => resolve([]), LEARN_TIMEOUT_MS)));
  try {
    const runs = await Promise.race([read().catch(() => []), timeout]);
    const gaps = runs.flatMap(serviceOverheads);
    const tails = runs.flatMap(runEndOverhead);
    return {
      samples: collectSamples(runs.map(measuredSteps)),
      overheads: gaps.length ? { serviceStartMs: quantile(gaps, 0.5), stepDispatchMs: 0, runEndMs: quantile(tails, 0.5) } : undefined,
    };
  } finally {
    clearTimeout(timer);
  }
}
