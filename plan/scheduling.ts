import { isSettled, type ServiceState } from './states';
import type { NormalizedPlan, StrategyMode } from './types';

// The states live in ./states; re-exported for the callers that plan scheduling with them.
export { SERVICE_STATES, isSettled, type ServiceState } from './states';

/**
 * Which services may start, which must be skipped, in what order they are undone: the decisions
 * of the deployment workflow, as pure functions of the plan and the services' states.
 */

export interface SchedulingInput {
  plan: Pick<NormalizedPlan, 'services'>;
  /** Topological layers, from `computeWaves`. */
  waves: readonly (readonly string[])[];
  states: Readonly<Record<string, ServiceState>>;
  mode: StrategyMode;
}

/** 1-based wave of every service. */
export function waveIndex(waves: readonly (readonly string[])[]): Map<string, number> {
  const index = new Map<string, number>();
  waves.forEach((wave, i) => wave.forEach((service) => index.set(service, i + 1)));
  return index;
}

/**
 * Services whose turn has come, in plan order: pending, every dependency succeeded and, in
 * `waves` mode, every service of the earlier waves settled (the barrier). Gates and
 * `maxParallel` are the caller's to apply.
 */
export function eligibleServices(input: SchedulingInput): string[] {
  const { plan, waves, states, mode } = input;
  const waveOf = waveIndex(waves);
  const openWave = mode === 'waves' ? firstUnsettledWave(waves, states) : Infinity;
  return plan.services
    .filter((service) => states[service.name] === 'pending')
    .filter((service) => (waveOf.get(service.name) ?? 0) <= openWave)
    .filter((service) => service.dependsOn.every((dep) => states[dep] === 'succeeded'))
    .map((service) => service.name);
}

/** The lowest 1-based wave that still has an unsettled service; waves.length + 1 when all are. */
export function firstUnsettledWave(waves: readonly (readonly string[])[], states: Readonly<Record<string, ServiceState>>): number {
  const index = waves.findIndex((wave) => wave.some((service) => !isSettled(states[service] ?? 'pending')));
  return index === -1 ? waves.length + 1 : index + 1;
}

/** Pending services that can never run because a dependency failed or was skipped (transitively). */
export function blockedServices(input: Pick<SchedulingInput, 'plan' | 'states'>): string[] {
  const { plan, states } = input;
  const doomed = new Set(
    Object.entries(states)
      .filter(([, state]) => state === 'failed' || state === 'skipped' || state === 'cancelled' || state === 'rolled-back')
      .map(([name]) => name),
  );
  const blocked: string[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const service of plan.services) {
      if (states[service.name] !== 'pending' || blocked.includes(service.name)) continue;
      if (service.dependsOn.some((dep) => doomed.has(dep))) {
        blocked.push(service.name);
        doomed.add(service.name);
        changed = true;
      }
    }
  }
  return plan.services.map((s) => s.name).filter((name) => blocked.includes(name));
}

/**
 * The rollback order: succeeded services, last wave first; the services of one wave are undone
 * together. Empty waves are left out.
 */
export function rollbackWaves(waves: readonly (readonly string[])[], states: Readonly<Record<string, ServiceState>>): string[][] {
  return [...waves]
    .reverse()
    .map((wave) => wave.filter((service) => states[service] === 'succeeded'))
    .filter((wave) => wave.length > 0);
}
