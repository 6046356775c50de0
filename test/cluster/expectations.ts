import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { waitFor } from '../helpers/wait-for';
import type { Cluster } from './cluster-fixture';
import { MIGRATION_SERVICES, MIGRATION_WAVES, type MigrationPlan, type StepEvent } from './migration-plan';

/** The step id events and control files use: `<service>.<step>`. */
const stepId = (e: StepEvent) => `${e.service}.${e.step}`;

/** Waits until `events.log` has an event matching `match` for `runId`. */
export function waitForEvent(plan: MigrationPlan, runId: string, what: string, match: (e: StepEvent) => boolean, timeoutMs = 90_000): Promise<StepEvent> {
  return waitFor(`${what} in run ${runId}`, () => plan.events(runId).find(match), timeoutMs, 100);
}

/**
 * Waits until the server recorded a heartbeat timeout of the activity that workflow `workflowId`
 * has pending (its next attempt is scheduled): read with the Temporal CLI from the operator's namespace.
 */
export async function waitForHeartbeatTimeout(cluster: Cluster, workflowId: string, temporalCliFlags: string[] = [], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `a heartbeat timeout of ${workflowId}'s running step`,
    async () => {
      const result = await cluster.execIn('cli', resolveTemporalBinary('cli'), ['workflow', 'describe', '--workflow-id', workflowId, '--address', cluster.address, '--output', 'json', ...temporalCliFlags]);
      if (result.code !== 0) return false;
      const pending = (JSON.parse(result.out) as { pendingActivities?: Array<{ attempt?: number; lastFailure?: unknown }> }).pendingActivities ?? [];
      return pending.some((a) => (a.attempt ?? 1) >= 2 && JSON.stringify(a.lastFailure ?? '').includes('HEARTBEAT'));
    },
    timeoutMs,
    500,
  );
}

/** Every `do` start, grouped by step. */
function startsByStep(events: StepEvent[], phase: 'do' | 'undo'): Map<string, StepEvent[]> {
  const byStep = new Map<string, StepEvent[]>();
  for (const e of events.filter((x) => x.kind === 'start' && x.phase === phase)) byStep.set(stepId(e), [...(byStep.get(stepId(e)) ?? []), e]);
  return byStep;
}

/**
 * The run's commands as the guarantees promise: every step of every service done, each on its
 * own node's namespace; the steps in `retried` started at most twice, every attempt with the
 * same idempotency key; every other step — the successors included — started exactly once.
 */
export function expectEveryStepOnce(events: StepEvent[], netnsOf: (node: string) => string, retried: string[] = []): void {
  const starts = startsByStep(events, 'do');
  for (const [service, spec] of Object.entries(MIGRATION_SERVICES)) {
    for (const step of spec.steps) {
      const id = `${service}.${step}`;
      const attempts = starts.get(id) ?? [];
      expect({ id, nodes: [...new Set(attempts.map((e) => e.netns))] }).toEqual({ id, nodes: [netnsOf(spec.node)] });
      expect({ id, done: events.some((e) => e.kind === 'done' && e.phase === 'do' && stepId(e) === id) }).toEqual({ id, done: true });
      if (retried.includes(id)) {
        expect({ id, starts: attempts.length <= 2, keys: new Set(attempts.map((e) => e.key)).size }).toEqual({ id, starts: true, keys: 1 });
      } else {
        expect({ id, starts: attempts.length }).toEqual({ id, starts: 1 });
      }
    }
  }
  expect(events.filter((e) => e.phase === 'undo')).toEqual([]);
}

/** Wave by wave: nothing of wave N+1 started before every step of wave N was done. */
export function expectWaveOrder(events: StepEvent[]): void {
  const index = (match: (e: StepEvent) => boolean) => events.findIndex(match);
  const lastIndex = (match: (e: StepEvent) => boolean) => events.map(match).lastIndexOf(true);
  for (let w = 1; w < MIGRATION_WAVES.length; w++) {
    const lastDone = lastIndex((e) => e.kind === 'done' && e.phase === 'do' && MIGRATION_WAVES[w - 1]!.includes(e.service as never));
    const firstStart = index((e) => e.kind === 'start' && e.phase === 'do' && MIGRATION_WAVES[w]!.includes(e.service as never));
    expect({ wave: w + 1, startsAfterPreviousWave: firstStart > lastDone }).toEqual({ wave: w + 1, startsAfterPreviousWave: true });
  }
}

/**
 * A rollback as documented: every completed step of the succeeded services undone (done) exactly
 * by the steps in `retried` more than once, later waves before earlier ones, steps of a service in
 * reverse.
 */
export function expectRollbackInOrder(events: StepEvent[], succeededWaves: number, retried: string[] = []): void {
  const undoStarts = startsByStep(events, 'undo');
  const order: string[] = [];
  for (let w = succeededWaves; w >= 1; w--) {
    for (const service of MIGRATION_WAVES[w - 1]!) {
      const steps = [...MIGRATION_SERVICES[service].steps].reverse();
      for (const step of steps) {
        const id = `${service}.${step}`;
        const attempts = undoStarts.get(id) ?? [];
        expect({ id, undone: events.some((e) => e.kind === 'done' && e.phase === 'undo' && stepId(e) === id) }).toEqual({ id, undone: true });
        if (!retried.includes(id)) expect({ id, undoStarts: attempts.length }).toEqual({ id, undoStarts: 1 });
        else expect({ id, keys: new Set(attempts.map((e) => e.key)).size, attempts: attempts.length >= 2 }).toEqual({ id, keys: 1, attempts: true });
        order.push(id);
      }
    }
  }
  // Later waves first: the last undo done of wave N comes before the first undo start of wave N-1.
  for (let w = succeededWaves; w > 1; w--) {
    const wave = MIGRATION_WAVES[w - 1]!;
    const earlier = MIGRATION_WAVES[w - 2]!;
    const lastDone = events.map((e) => e.kind === 'done' && e.phase === 'undo' && wave.includes(e.service as never)).lastIndexOf(true);
    const firstStart = events.findIndex((e) => e.kind === 'start' && e.phase === 'undo' && earlier.includes(e.service as never));
    expect({ wave: w - 1, undoneAfterWave: firstStart > lastDone }).toEqual({ wave: w - 1, undoneAfterWave: true });
  }
  // Within a service, its steps in reverse.
  const pg = events.filter((e) => e.phase === 'undo' && e.service === 'postgres-primary' && e.kind === 'start').map((e) => e.step);
  expect(pg).toEqual(['migrate-schema', 'snapshot']);
  expect(order.length).toBeGreaterThan(0);
}
