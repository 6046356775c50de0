import fc from 'fast-check';
import { computeWaves, routeServices } from '../../plan';
import type { ServiceState } from '../../plan/states';
import { decideTune, pauseAfterWaveDue, tuneChangeOf, tuningLine, withoutExcluded, type TuneChange, type TuneRun, type Tuning } from '../../plan/tuning';
import { isSettled } from '../../plan/scheduling';
import { HEADER, planOf } from './plan-fixtures';

const plan = planOf(`${HEADER}strategy: { maxParallel: 4 }
services:
  db: { node: macpro51, steps: [{ name: x, run: 'true' }] }
  docs: { requires: { os: darwin }, steps: [{ name: x, run: 'true' }] }
  api: { dependsOn: [db], steps: [{ name: x, run: 'true' }] }
  web: { dependsOn: [api], steps: [{ name: x, run: 'true' }] }
`);
const waves = computeWaves(plan);
const routes = routeServices(plan);

function run(states: Partial<Record<string, ServiceState>> = {}, tuning: Tuning = { excludedNodes: [] }, extra: Partial<TuneRun> = {}): TuneRun {
  const services = waves.flatMap((wave, i) => wave.map((name) => ({ name, wave: i + 1, state: states[name] ?? ('pending' as ServiceState) })));
  return { plan, routes, services, waveCount: waves.length, tuning, stopping: false, ...extra };
}

const refusal = (r: TuneRun, change: TuneChange) => {
  const d = decideTune(r, change);
  if (d.ok) throw new Error(`expected a refusal, got ${JSON.stringify(d)}`);
  return d.reason;
};

describe('live changes (plan/tuning.ts)', () => {
  it('refuses to exclude the only node a pinned service not yet started can run on, naming the service and why', () => {
    expect(refusal(run(), { kind: 'exclude-node', node: 'macpro51' })).toBe('excluding macpro51 would leave no node for db (it is pinned to macpro51)');
  });

  it('lets that node go once the pinned service has run, and re-routes the rest', () => {
    const d = decideTune(run({ db: 'succeeded' }), { kind: 'exclude-node', node: 'macpro51' });
    expect(d).toMatchObject({ ok: true, tuning: { excludedNodes: ['macpro51'] } });
    expect(withoutExcluded(routes.api!, ['macpro51'])).not.toContain('macpro51');
  });

  it('refuses when the requirements leave nothing, counting nodes already excluded', () => {
    const darwin = routes.docs!;
    expect(darwin.length).toBe(2);
    const first = decideTune(run(), { kind: 'exclude-node', node: darwin[0]! });
    expect(first.ok).toBe(true);
    const reason = refusal(run({}, first.ok ? first.tuning : { excludedNodes: [] }), { kind: 'exclude-node', node: darwin[1]! });
    expect(reason).toMatch(/would leave no node for docs \(it runs only on .* \(requires os darwin\)\)/);
  });

  it('keeps a node for a failed service a decide retry could start again', () => {
    expect(refusal(run({ db: 'failed' }, undefined, { pendingDecision: 'db' }), { kind: 'exclude-node', node: 'macpro51' })).toMatch(/no node for db/);
  });

  it('refuses unknown, doubly excluded and not-excluded nodes', () => {
    expect(refusal(run(), { kind: 'exclude-node', node: 'ghost' })).toBe("unknown node ghost: the run's nodes are mac-studio, macbook-air, macpro51");
    expect(refusal(run({}, { excludedNodes: ['mac-studio'] }), { kind: 'exclude-node', node: 'mac-studio' })).toBe('mac-studio is already excluded');
    expect(refusal(run(), { kind: 'include-node', node: 'mac-studio' })).toBe('mac-studio is not excluded (no node is excluded): nothing to include');
    expect(decideTune(run({}, { excludedNodes: ['mac-studio'] }), { kind: 'include-node', node: 'mac-studio' })).toMatchObject({ ok: true, tuning: { excludedNodes: [] } });
  });

  it('max-parallel: bounds, no-op refused, back to the plan value clears it', () => {
    expect(refusal(run(), { kind: 'max-parallel', value: 0 })).toMatch(/from 1 to 1000, got 0/);
    expect(refusal(run(), { kind: 'max-parallel', value: 4 })).toBe('max-parallel is already 4: nothing to change');
    expect(decideTune(run(), { kind: 'max-parallel', value: 1 })).toMatchObject({ ok: true, tuning: { maxParallel: 1 }, summary: expect.stringMatching(/^max-parallel 4 → 1/) });
    expect(decideTune(run({}, { excludedNodes: [], maxParallel: 1 }), { kind: 'max-parallel', value: 4 })).toMatchObject({ ok: true, tuning: { maxParallel: undefined } });
  });

  it('pause-after-wave: refused for the last wave, unknown waves and once a later wave started', () => {
    expect(refusal(run(), { kind: 'pause-after-wave', wave: 3 })).toBe('wave 3 is the last wave: nothing starts after it');
    expect(refusal(run(), { kind: 'pause-after-wave', wave: 4 })).toBe('pause-after-wave: the run has waves 1 to 3, got 4');
    expect(refusal(run({ db: 'succeeded', docs: 'succeeded', api: 'running' }), { kind: 'pause-after-wave', wave: 1 })).toBe('too late: api of wave 2 has already started');
    expect(decideTune(run({ db: 'running' }), { kind: 'pause-after-wave', wave: 1 })).toMatchObject({ ok: true, tuning: { pauseAfterWave: 1 } });
  });

  it('a stopping run takes no change', () => {
    expect(refusal(run({}, undefined, { stopping: true }), { kind: 'max-parallel', value: 2 })).toMatch(/the run is stopping/);
  });

  it('the pause falls due once waves 1..N settle, and is dropped when nothing is left after them', () => {
    const services = run({ db: 'running' }).services;
    const tuning = { excludedNodes: [], pauseAfterWave: 1 };
    expect(pauseAfterWaveDue(tuning, services, isSettled)).toBeUndefined();
    expect(pauseAfterWaveDue(tuning, run({ db: 'succeeded', docs: 'succeeded' }).services, isSettled)).toBe('pause');
    expect(pauseAfterWaveDue(tuning, run({ db: 'failed', docs: 'succeeded', api: 'skipped', web: 'skipped' }).services, isSettled)).toBe('drop');
  });

  it('a payload asks for exactly one change', () => {
    expect(tuneChangeOf({ approver: 'a', excludeNode: 'n' })).toEqual({ ok: true, change: { kind: 'exclude-node', node: 'n' } });
    expect(tuneChangeOf({ approver: 'a' })).toMatchObject({ ok: false, reason: expect.stringMatching(/exactly one .* got none/) });
    expect(tuneChangeOf({ approver: 'a', maxParallel: 2, pauseAfterWave: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/got max-parallel 2, pause-after-wave 1/) });
  });

  it('status line', () => {
    expect(tuningLine({ excludedNodes: ['macpro51'], maxParallel: 2, pauseAfterWave: 1 })).toBe('tuned: max-parallel 2; excluded macpro51; pauses after wave 1');
    expect(tuningLine({ excludedNodes: [] })).toBeUndefined();
  });

  it('an accepted exclusion never strands a service that may still start (property)', () => {
    const nodes = plan.nodes.map((n) => n.name);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...nodes), { maxLength: 4 }), fc.dictionary(fc.constantFrom('db', 'docs', 'api', 'web'), fc.constantFrom<ServiceState>('pending', 'running', 'succeeded')), (excludes, states) => {
        let tuning: Tuning = { excludedNodes: [] };
        for (const node of excludes) {
          const d = decideTune(run(states, tuning), { kind: 'exclude-node', node });
          if (d.ok) tuning = d.tuning;
        }
        for (const s of run(states).services.filter((x) => x.state === 'pending')) expect(withoutExcluded(routes[s.name]!, tuning.excludedNodes).length).toBeGreaterThan(0);
      }),
    );
  });
});
