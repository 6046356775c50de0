import fc from 'fast-check';
import { DEFAULT_NODES, matchesRequirements, preferNodesUp, routeServices, type NodeSpec, type Requirements, type ServiceSpec } from '../../plan';

const ROLES = ['docker', 'build', 'gpu', 'docs'] as const;

const nodesArb = fc
  .array(
    fc.record({
      os: fc.constantFrom('linux', 'darwin'),
      arch: fc.constantFrom('x64', 'arm64'),
      roles: fc.subarray([...ROLES]),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((nodes): NodeSpec[] => nodes.map((n, i) => ({ name: `n${i}`, ...n })));

const requirementsArb: fc.Arbitrary<Requirements> = fc.record(
  { os: fc.constantFrom('linux', 'darwin'), arch: fc.constantFrom('x64', 'arm64'), roles: fc.subarray([...ROLES], { maxLength: 2 }) },
  { requiredKeys: [] },
);

/** Services that are pinned, have requirements, or neither (validity is not needed for routing). */
const planArb = nodesArb.chain((nodes) =>
  fc
    .array(fc.oneof(fc.record({ node: fc.constantFrom(...nodes.map((n) => n.name)) }), fc.record({ requires: requirementsArb }), fc.constant({})), {
      maxLength: 15,
    })
    .map((specs) => ({
      nodes,
      services: specs.map((spec, i): ServiceSpec => ({ name: `svc${i}`, dependsOn: [], steps: [], ...spec })),
    })),
);

describe('routing (property-based)', () => {
  test('deterministic: the same input gives the same output', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        expect(routeServices(structuredClone(plan))).toEqual(routeServices(plan));
      }),
    );
  });

  test('pins give their node; otherwise every matching node, once, and nothing else', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const routes = routeServices(plan);
        for (const s of plan.services) {
          const candidates = routes[s.name] ?? [];
          if (s.node !== undefined) {
            expect(candidates).toEqual([s.node]);
            continue;
          }
          const matching = plan.nodes.filter((n) => matchesRequirements(n, s.requires)).map((n) => n.name);
          expect([...candidates].sort()).toEqual([...matching].sort());
          expect(new Set(candidates).size).toBe(candidates.length);
        }
      }),
    );
  });

  test('services with the same requirement spread over the matching nodes', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const routes = routeServices(plan);
        const groups = new Map<string, string[]>();
        for (const s of plan.services.filter((x) => x.node === undefined)) {
          const key = JSON.stringify([s.requires?.os, s.requires?.arch, [...(s.requires?.roles ?? [])].sort()]);
          groups.set(key, [...(groups.get(key) ?? []), s.name]);
        }
        for (const names of groups.values()) {
          const width = routes[names[0] as string]?.length ?? 0;
          const firsts = names.slice(0, width).map((n) => routes[n]?.[0]);
          expect(new Set(firsts).size).toBe(firsts.length);
        }
      }),
    );
  });
});

test('routing over the default cluster', () => {
  const services: ServiceSpec[] = [
    { name: 'a', dependsOn: [], steps: [] },
    { name: 'b', dependsOn: [], steps: [] },
    { name: 'docker-1', dependsOn: [], steps: [], requires: { roles: ['docker'] } },
    { name: 'mac-1', dependsOn: [], steps: [], requires: { os: 'darwin' } },
    { name: 'mac-2', dependsOn: [], steps: [], requires: { os: 'darwin' } },
    { name: 'pinned', dependsOn: [], steps: [], node: 'macbook-air' },
  ];
  expect(routeServices({ nodes: [...DEFAULT_NODES], services })).toEqual({
    a: ['mac-studio', 'macbook-air', 'macpro51'],
    b: ['macbook-air', 'macpro51', 'mac-studio'],
    'docker-1': ['macpro51'],
    'mac-1': ['mac-studio', 'macbook-air'],
    'mac-2': ['macbook-air', 'mac-studio'],
    pinned: ['macbook-air'],
  });
});

describe('preferNodesUp', () => {
  it('moves the nodes known down to the end, keeping both groups in order', () => {
    expect(preferNodesUp(['a', 'b', 'c', 'd'], new Set(['a', 'c']))).toEqual(['b', 'd', 'a', 'c']);
  });
  it('keeps a node known down when it is the only candidate, and changes nothing when none is down', () => {
    expect(preferNodesUp(['a'], new Set(['a']))).toEqual(['a']);
    expect(preferNodesUp(['a', 'b'], new Set())).toEqual(['a', 'b']);
  });
});
