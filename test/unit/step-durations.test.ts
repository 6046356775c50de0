import { measuredSteps, serviceOverheads } from '../../client/simulate/learn';
import { collectSamples, durationModel, quantile, stepKey, withModelDurations } from '../../plan/step-durations';
import type { RunProgress } from '../../workflows/progress';
import { planFrom } from '../helpers/plans';

const plan = planFrom(`apiVersion: maestro/v1
name: durations
services:
  db:
    steps:
      - { name: migrate, run: "true", timeout: 1h }
      - { name: bake, wait: 2m }
      - { name: health, check: { tcp: "127.0.0.1:5432", successes: 3, interval: 2s } }
  api: { dependsOn: [db], steps: [{ name: deploy, run: "true", estimate: 4m }] }
`);

describe('the step-duration model', () => {
  it('without measurements: the estimate, a wait, a check passing, else 30 s — never the timeout', () => {
    const model = durationModel(plan);
    expect(model.get('db/migrate')).toEqual({ p50Ms: 30_000, p90Ms: 30_000, source: 'plan', samples: 0 });
    expect(model.get('db/bake')?.p50Ms).toBe(120_000);
    expect(model.get('db/health')?.p50Ms).toBe(6_000);
    expect(model.get('api/deploy')?.p50Ms).toBe(240_000);
  });

  it('learned p50 and p90 replace the estimate; a wait keeps its length', () => {
    const samples = collectSamples([
      [{ service: 'db', step: 'migrate', ms: 10_000 }, { service: 'db', step: 'bake', ms: 1 }],
      [{ service: 'db', step: 'migrate', ms: 20_000 }],
      [{ service: 'db', step: 'migrate', ms: 90_000 }],
    ]);
    const model = durationModel(plan, samples);
    expect(model.get('db/migrate')).toEqual({ p50Ms: 20_000, p90Ms: 76_000, source: 'learned', samples: 3 });
    expect(model.get('db/bake')).toMatchObject({ p50Ms: 120_000, source: 'plan' });
    expect(withModelDurations(plan, model, 'p90')[0]!.steps[0]!.estimateMs).toBe(76_000);
  });

  it('quantiles interpolate between ranks', () => {
    expect(quantile([], 0.5)).toBe(0);
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1_000, 2_000], 0.5)).toBe(1_500);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(stepKey('a', 'b')).toBe('a/b');
  });
});

describe('learning from a past run', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1_000).toISOString();
  const step = (name: string, from: number, to: number, state: 'succeeded' | 'failed' = 'succeeded') => ({ name, kind: 'run' as const, state, attempts: 1, startedAt: at(from), endedAt: at(to) });
  const progress = {
    runId: 'r',
    plan: 'p',
    state: 'succeeded',
    startedAt: at(0),
    waves: [['db'], ['api']],
    currentWave: 2,
    services: {
      db: { name: 'db', wave: 1, state: 'succeeded', nodesDown: [], startedAt: at(0), endedAt: at(11), steps: [step('migrate', 1, 10)] },
      api: { name: 'api', wave: 2, state: 'succeeded', nodesDown: [], startedAt: at(11), endedAt: at(20), steps: [step('deploy', 12, 15), step('smoke', 15, 16, 'failed')] },
    },
    gates: [],
    audit: [],
    rollbackFailures: [],
  } as unknown as RunProgress;

  it('measures the steps that succeeded', () => {
    expect(measuredSteps(progress)).toEqual([
      { service: 'db', step: 'migrate', ms: 9_000 },
      { service: 'api', step: 'deploy', ms: 3_000 },
    ]);
  });

  it("counts what each service took beyond its steps, from when it could start", () => {
    // db: ready at the run's start, 11 s to its end, 9 s of step; api: ready when db ended, 9 s, 3 + 1 s of steps.
    expect(serviceOverheads(progress)).toEqual([2_000, 5_000]);
  });
});
