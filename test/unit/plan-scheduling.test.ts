import fc from 'fast-check';
import { computeWaves } from '../../plan/graph';
import { blockedServices, eligibleServices, firstUnsettledWave, rollbackWaves } from '../../plan/scheduling';
import { SERVICE_STATES, isSettled, type ServiceState } from '../../plan/states';
import type { ServiceSpec, StrategyMode } from '../../plan/types';

/**
 * A run's state as the scheduler sees it, built step by step (like changesets' FakeFullState):
 * services with their dependencies, then states.
 */
class FakeRun {
  readonly services: Array<Pick<ServiceSpec, 'name' | 'dependsOn'>> = [];
  readonly states: Record<string, ServiceState> = {};

  addService(name: string, dependsOn: string[] = [], state: ServiceState = 'pending'): this {
    this.services.push({ name, dependsOn });
    this.states[name] = state;
    return this;
  }

  set(name: string, state: ServiceState): this {
    this.states[name] = state;
    return this;
  }

  get plan() {
    return { services: this.services as ServiceSpec[] };
  }

  get waves(): string[][] {
    return computeWaves({ services: this.services as ServiceSpec[] } as Parameters<typeof computeWaves>[0]);
  }

  eligible(mode: StrategyMode): string[] {
    return eligibleServices({ plan: this.plan, waves: this.waves, states: this.states, mode });
  }

  blocked(): string[] {
    return blockedServices({ plan: this.plan, states: this.states });
  }

  /** Every service `name` depends on, directly or not. */
  ancestors(name: string): Set<string> {
    const byName = new Map(this.services.map((s) => [s.name, s]));
    const seen = new Set<string>();
    const visit = (n: string) => byName.get(n)?.dependsOn.forEach((d) => !seen.has(d) && (seen.add(d), visit(d)));
    visit(name);
    return seen;
  }
}

/** A random DAG (each service depends only on earlier ones) with random states. */
const fakeRun = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`)))),
      fc.array(fc.constantFrom(...SERVICE_STATES), { minLength: n, maxLength: n }),
    ),
  )
  .map(([deps, states]) => {
    const run = new FakeRun();
    deps.forEach((d, i) => run.addService(`s${i}`, d, states[i]));
    return run;
  });

const mode = fc.constantFrom<StrategyMode>('waves', 'dag');

describe('scheduling (properties over random plans and states)', () => {
  test('nothing is eligible before every dependency succeeded, and only pending services are', () => {
    fc.assert(
      fc.property(fakeRun, mode, (run, m) => {
        for (const name of run.eligible(m)) {
          expect(run.states[name]).toBe('pending');
          for (const dep of run.services.find((s) => s.name === name)!.dependsOn) expect(run.states[dep]).toBe('succeeded');
        }
      }),
    );
  });

  test('waves mode: nothing of a later wave is eligible while an earlier wave has an unsettled service', () => {
    fc.assert(
      fc.property(fakeRun, (run) => {
        const waves = run.waves;
        const open = firstUnsettledWave(waves, run.states);
        for (const name of run.eligible('waves')) {
          const wave = waves.findIndex((w) => w.includes(name)) + 1;
          expect(wave).toBeLessThanOrEqual(open);
          for (const earlier of waves.slice(0, wave - 1).flat()) expect(isSettled(run.states[earlier]!)).toBe(true);
        }
      }),
    );
  });

  test('dag mode: a pending service whose dependencies all succeeded is eligible, whatever its wave', () => {
    fc.assert(
      fc.property(fakeRun, (run) => {
        const ready = run.services.filter((s) => run.states[s.name] === 'pending' && s.dependsOn.every((d) => run.states[d] === 'succeeded')).map((s) => s.name);
        expect(run.eligible('dag')).toEqual(ready);
      }),
    );
  });

  test('blocked = the pending services with a failed, skipped, cancelled or rolled-back service among their transitive dependencies', () => {
    const doomed: ServiceState[] = ['failed', 'skipped', 'cancelled', 'rolled-back'];
    fc.assert(
      fc.property(fakeRun, (run) => {
        const expected = run.services
          .filter((s) => run.states[s.name] === 'pending')
          .filter((s) => {
            // Reached through pending services only: a blocked service dooms its dependents in turn.
            const byName = new Map(run.services.map((x) => [x.name, x]));
            const reaches = (name: string): boolean =>
              byName.get(name)!.dependsOn.some((d) => doomed.includes(run.states[d]!) || (run.states[d] === 'pending' && reaches(d)));
            return reaches(s.name);
          })
          .map((s) => s.name);
        expect(run.blocked()).toEqual(expected);
        for (const name of run.blocked()) expect([...run.ancestors(name)].some((a) => doomed.includes(run.states[a]!))).toBe(true);
      }),
    );
  });

  test('rollback order: the succeeded services, last wave first, a wave\'s services together', () => {
    fc.assert(
      fc.property(fakeRun, (run) => {
        const waves = run.waves;
        const order = rollbackWaves(waves, run.states);
        const waveOf = (name: string) => waves.findIndex((w) => w.includes(name));
        // Exactly the succeeded services, each once.
        expect(order.flat().sort()).toEqual(run.services.filter((s) => run.states[s.name] === 'succeeded').map((s) => s.name).sort());
        for (const group of order) expect(new Set(group.map(waveOf)).size).toBe(1);
        const groupWaves = order.map((g) => waveOf(g[0]!));
        expect(groupWaves).toEqual([...groupWaves].sort((a, b) => b - a));
        expect(new Set(groupWaves).size).toBe(groupWaves.length);
        // A service is undone before every service it depends on.
        const position = new Map(order.flatMap((g, i) => g.map((n) => [n, i] as const)));
        for (const [name, at] of position) for (const dep of run.ancestors(name)) if (position.has(dep)) expect(position.get(dep)!).toBeGreaterThan(at);
      }),
    );
  });

  test('a chain: one service at a time, each after the one before succeeded', () => {
    const run = new FakeRun().addService('db').addService('api', ['db']).addService('web', ['api']);
    expect(run.eligible('waves')).toEqual(['db']);
    run.set('db', 'running');
    expect(run.eligible('waves')).toEqual([]);
    run.set('db', 'failed');
    expect(run.blocked()).toEqual(['api', 'web']);
    run.set('db', 'succeeded');
    expect(run.eligible('dag')).toEqual(['api']);
  });
});
