/** The benchmark's plans: the full run, and smaller ones for `--quick` (under two minutes). */
import { MAX_SERVICES_IN_FLIGHT } from '../plan/defaults';
import type { Scenario } from './run-scenario';

/** Services in flight at once in the generated plans unless a row says otherwise: as many as a plan may ask. */
const UNCAPPED = MAX_SERVICES_IN_FLIGHT;

export const TARGET_ROLES = {
  /** Per-step overhead with nothing else running: a chain of services, one step at a time. */
  chain: 'chain-4x10',
  /** Per-step overhead under load, and the ≤ 3 s target with three steps per service. */
  overhead: 'noop-100-dag',
  /** The ≤ 3 s target with one step per service: the smallest plan its words describe. */
  oneStep: 'noop-100x1-dag',
  /** The 1-second-step plan judged against its critical path. */
  sleep: 'sleep-dag',
  /** The largest plan: limits, parent history, sustained steps per second. */
  scale: 'scale-dag',
} as const;

/**
 * Full: every row. Quick: the same chain and 100-service plan (so the overhead and 3 s targets
 * are judged alike), a smaller 1-second plan in both modes, and 120 × 5 instead of 1,000 × 5.
 */
export function scenarios(quick: boolean): Scenario[] {
  const noop100 = { services: 100, steps: 3, depth: 5, body: 'noop', maxParallel: UNCAPPED } as const;
  const sleep = { ...(quick ? { services: 9, steps: 2, depth: 3 } : { services: 20, steps: 3, depth: 4 }), body: 'sleep', maxParallel: UNCAPPED } as const;
  const scale = quick ? { services: 120, steps: 5, depth: 5 } : { services: 1000, steps: 5, depth: 5 };
  const all: Array<Scenario & { full?: true }> = [
    { id: 'chain-4x10', purpose: 'a chain of 4 services × 10 no-op steps: overhead without contention', services: 4, steps: 10, depth: 4, body: 'noop', mode: 'dag', maxParallel: UNCAPPED },
    { id: 'noop-100x1-dag', purpose: '100 services, depth 5, one no-op step each: the 3 s target', ...noop100, steps: 1, mode: 'dag' },
    { id: 'noop-100-dag', purpose: '100 services, depth 5, three no-op steps each: overhead and the 3 s target', ...noop100, mode: 'dag' },
    { id: 'noop-100-waves', purpose: 'the same plan in waves mode', ...noop100, mode: 'waves', full: true },
    { id: 'noop-100-mp4', purpose: 'the same plan at the default maxParallel (4)', ...noop100, mode: 'dag', maxParallel: 4, full: true },
    { id: 'sleep-dag', purpose: '1-second steps against the critical path', ...sleep, mode: 'dag' },
    { id: 'sleep-waves', purpose: 'the same plan in waves mode', ...sleep, mode: 'waves' },
    { id: 'sleep-mp4', purpose: 'the same plan at the default maxParallel (4)', ...sleep, mode: 'dag', maxParallel: 4, full: true },
    { id: 'scale-dag', purpose: `${scale.services} × ${scale.steps} no-op steps: limits and sustained throughput`, ...scale, body: 'noop', mode: 'dag', maxParallel: UNCAPPED },
  ];
  return all.filter((s) => !quick || !s.full).map(({ full: _full, ...s }) => s);
}
