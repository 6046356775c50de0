import { estimateRun } from '../../client/run/eta';
import type { RunProgress } from '../../workflows/progress';
import { planFrom } from '../helpers/plans';

// watch's ETA over the one duration model (plan/step-durations.ts): never a timeout, learned p50 when there is one.
const plan = planFrom(
  JSON.stringify({
    apiVersion: 'maestro/v1',
    name: 'eta',
    defaults: { timeout: '10m' },
    services: {
      db: { steps: [{ name: 'migrate', run: 'true' }, { name: 'health', check: { tcp: '127.0.0.1:5432', successes: 3, interval: '2s' } }, { name: 'bake', wait: '5s' }] },
      api: { dependsOn: ['db'], steps: [{ name: 'deploy', run: 'true', estimate: '3m' }] },
    },
  }),
);

it('the ETA of a short run is not its timeouts: the model, and learned durations when there are some', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const progress: RunProgress = {
    runId: 'r',
    plan: 'eta',
    state: 'running',
    startedAt: at,
    waves: [['db'], ['api']],
    currentWave: 1,
    services: {
      db: { name: 'db', wave: 1, state: 'running', nodesDown: [], startedAt: at, steps: [{ name: 'migrate', kind: 'run', state: 'running', attempts: 1, startedAt: at }, { name: 'health', kind: 'check', state: 'pending', attempts: 0 }, { name: 'bake', kind: 'wait', state: 'pending', attempts: 0 }] },
      api: { name: 'api', wave: 2, state: 'pending', nodesDown: [], steps: [{ name: 'deploy', kind: 'run', state: 'pending', attempts: 0 }] },
    },
    gates: [],
    audit: [],
    rollbackFailures: [],
  };
  const now = Date.parse(at) + 1_000;
  // 30 s default for the command (1 s of it gone), 3 × 2 s for the check, the 5 s wait, the 3 m estimate: not 10 m + 60 s + 5 s + 3 m.
  expect(estimateRun(plan, progress, now).remainingMs).toBe(29_000 + 6_000 + 5_000 + 180_000);
  expect(estimateRun(plan, progress, now, new Map([['db/migrate', [2_000, 3_000, 9_000]]])).remainingMs).toBe(2_000 + 6_000 + 5_000 + 180_000);
});
