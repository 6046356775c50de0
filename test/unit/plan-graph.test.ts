import fc from 'fast-check';
import { computeWaves, criticalPath, findCycles, parsePlanText, type ServiceSpec, type StepSpec } from '../../plan';

function step(name: string, estimateMs: number): StepSpec {
  return {
    name,
    kind: 'wait',
    waitMs: estimateMs,
    timeoutMs: 1_000,
    retry: { maxAttempts: 1, initialIntervalMs: 1_000, backoff: 2 },
    env: {},
    cwd: '/',
    estimateMs,
  };
}

function service(name: string, dependsOn: string[], estimates: number[] = [1]): ServiceSpec {
  return { name, dependsOn, steps: estimates.map((ms, i) => step(`s${i}`, ms)) };
}

/**
 * A random DAG: service `s<i>` may depend only on services with a smaller index, which keeps it
 * acyclic; the plan lists the services in a random order, so dependencies may come later.
 */
const dagArb = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.record({
      deps: fc.array(fc.array(fc.nat(n - 1), { maxLength: 3 }), { minLength: n, maxLength: n }),
      estimates: fc.array(fc.array(fc.nat(100_000), { minLength: 1, maxLength: 3 }), { minLength: n, maxLength: n }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  )
  .map(({ deps, estimates, order }) =>
    order.map((i) => service(`s${i}`, [...new Set((deps[i] ?? []).filter((j) => j < i))].map((j) => `s${j}`), estimates[i])),
  );

const own = (s: ServiceSpec) => s.steps.reduce((sum, st) => sum + st.estimateMs, 0);

/** Every chain of dependencies (each service depends on the one before it), by brute force. */
function allChains(services: ServiceSpec[]): string[][] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const chains: string[][] = [];
  const extend = (chain: string[]) => {
    chains.push(chain);
    for (const dep of byName.get(chain[0] as string)?.dependsOn ?? []) extend([dep, ...chain]);
  };
  for (const s of services) extend([s.name]);
  return chains;
}

describe('waves (property-based)', () => {
  test('every service lands in exactly one wave, after all its dependencies, as early as possible', () => {
    fc.assert(
      fc.property(dagArb, (services) => {
        const waves = computeWaves({ services });
        const waveOf = new Map(waves.flatMap((names, i) => names.map((n) => [n, i + 1] as const)));
        expect(waves.flat().sort()).toEqual(services.map((s) => s.name).sort());
        expect(waves.every((w) => w.length > 0)).toBe(true);
        for (const s of services) {
          const depWaves = s.dependsOn.map((d) => waveOf.get(d) ?? 0);
          for (const w of depWaves) expect(waveOf.get(s.name)).toBeGreaterThan(w);
          expect(waveOf.get(s.name)).toBe(1 + Math.max(0, ...depWaves));
        }
        const planOrder = services.map((s) => s.name);
        for (const wave of waves) expect(wave).toEqual(planOrder.filter((n) => wave.includes(n)));
      }),
    );
  });

  test('a DAG has no cycles; adding a back edge makes exactly that loop visible', () => {
    fc.assert(
      fc.property(dagArb, fc.nat(), (services, pick) => {
        expect(findCycles(services)).toEqual([]);
        // Close a loop: find a service with a dependency chain and make its root depend on it.
        const chains = allChains(services).filter((c) => c.length > 1);
        fc.pre(chains.length > 0);
        const chain = chains[pick % chains.length] as string[];
        const [root, last] = [chain[0] as string, chain[chain.length - 1] as string];
        const cyclic = services.map((s) => (s.name === root ? { ...s, dependsOn: [...s.dependsOn, last] } : s));
        const cycles = findCycles(cyclic);
        expect(cycles.length).toBeGreaterThanOrEqual(1);
        const byName = new Map(cyclic.map((s) => [s.name, s]));
        for (const cycle of cycles) {
          expect(new Set(cycle).size).toBe(cycle.length);
          cycle.forEach((name, i) => expect(byName.get(name)?.dependsOn).toContain(cycle[(i + 1) % cycle.length]));
        }
        expect(() => computeWaves({ services: cyclic })).toThrow(/cycle/);
      }),
    );
  });
});

describe('critical path (property-based)', () => {
  test('it is a real chain, its length is its estimates, and no chain is longer', () => {
    fc.assert(
      fc.property(dagArb, (services) => {
        const byName = new Map(services.map((s) => [s.name, s]));
        const path = criticalPath({ services });
        expect(path.services.length).toBeGreaterThan(0);
        path.services.slice(1).forEach((name, i) => expect(byName.get(name)?.dependsOn).toContain(path.services[i]));
        expect(path.lengthMs).toBe(path.services.reduce((sum, n) => sum + own(byName.get(n) as ServiceSpec), 0));
        for (const chain of allChains(services)) {
          expect(path.lengthMs).toBeGreaterThanOrEqual(chain.reduce((sum, n) => sum + own(byName.get(n) as ServiceSpec), 0));
        }
      }),
    );
  });

  test('examples', () => {
    const services = [service('a', [], [10]), service('b', ['a'], [5]), service('c', [], [30]), service('d', ['b'], [1])];
    expect(criticalPath({ services })).toEqual({ services: ['c'], lengthMs: 30 });
    expect(criticalPath({ services: [] })).toEqual({ services: [], lengthMs: 0 });
    const longer = [...services, service('e', ['d'], [20])];
    expect(criticalPath({ services: longer })).toEqual({ services: ['a', 'b', 'd', 'e'], lengthMs: 36 });
  });
});

test('random DAGs written as YAML parse to the same graph (property-based)', () => {
  fc.assert(
    fc.property(dagArb, (services) => {
      const yaml = [
        'apiVersion: maestro/v1',
        'name: random',
        'services:',
        ...services.map((s) => `  ${s.name}: { dependsOn: [${s.dependsOn.join(', ')}], steps: [{ name: w, wait: 1s }] }`),
      ].join('\n');
      const result = parsePlanText(yaml, { file: 'random.yaml', baseDir: '/' });
      expect(result.ok).toBe(true);
      if (result.ok) expect(computeWaves(result.plan)).toEqual(computeWaves({ services }));
    }),
    { numRuns: 50 },
  );
});
