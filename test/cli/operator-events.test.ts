import { buildRunReport } from '../../client/run/report';
import { liveLines } from '../../client/render/live-lines';
import { estimateRun } from '../../client/run/eta';
import { diffProgress } from '../../client/run/events';
import type { GateProgress, RunProgress } from '../../workflows/progress';
import { planFrom } from '../helpers/plans';

// Gates and decisions as watch and report show them, on snapshots shaped like the progress query's.
const plan = planFrom(
  JSON.stringify({
    apiVersion: 'maestro/v1',
    name: 'gated',
    approvals: { gates: [{ beforeWave: 2 }] },
    services: { db: { steps: [{ name: 'migrate', run: 'true', estimate: '1m' }] }, api: { dependsOn: ['db'], steps: [{ name: 'deploy', run: 'true', estimate: '3m' }] } },
  }),
);

function snapshot(patch: Partial<RunProgress> = {}, gate: Partial<GateProgress> = {}): RunProgress {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    runId: 'r1',
    plan: 'gated',
    state: 'running',
    startedAt: at,
    waves: [['db'], ['api']],
    currentWave: 1,
    services: {
      db: { name: 'db', wave: 1, state: 'succeeded', node: 'macpro51', nodesDown: [], startedAt: at, endedAt: '2026-01-01T00:01:00.000Z', steps: [{ name: 'migrate', kind: 'run', state: 'succeeded', attempts: 2, startedAt: at, endedAt: '2026-01-01T00:01:00.000Z' }] },
      api: { name: 'api', wave: 2, state: 'awaiting-approval', node: 'mac-studio', nodesDown: [], steps: [{ name: 'deploy', kind: 'run', state: 'pending', attempts: 0 }] },
    },
    gates: [{ id: 'wave-2', wave: 2, state: 'waiting', onTimeout: 'reject', minApprovals: 1, approvals: [], ...gate }],
    audit: [],
    rollbackFailures: [],
    ...patch,
  };
}

it('tells a gate opening with the exact approve command, then who approved it', () => {
  const waiting = snapshot();
  const open = snapshot({ state: 'awaiting-approval' }, { state: 'open', openedAt: '2026-01-01T00:01:00.000Z' });
  const approved = snapshot(
    { audit: [{ at: '2026-01-01T00:02:00.000Z', actor: 'ops-lead', action: 'approve', via: 'update', target: 'wave-2', comment: 'go', accepted: true }] },
    { state: 'approved', approvals: [{ approver: 'ops-lead', at: '2026-01-01T00:02:00.000Z', comment: 'go' }], openedAt: '2026-01-01T00:01:00.000Z', decidedAt: '2026-01-01T00:02:00.000Z', decidedBy: 'ops-lead' },
  );
  expect(diffProgress(waiting, open).map((e) => e.text)).toEqual(['gate wave-2: open — approve: maestro approve r1 --as NAME --wave 2', 'run r1: awaiting-approval']);
  expect(diffProgress(open, approved).map((e) => e.text)).toEqual(['ops-lead: approve wave-2 via update (go)', 'gate wave-2: approved by ops-lead', 'run r1: running']);
  expect(liveLines(open).join('\n')).toContain('maestro approve r1 --as NAME --wave 2');

  const report = buildRunReport(approved, plan);
  expect(report.approvals).toEqual([expect.objectContaining({ gate: 'wave-2', state: 'approved', waitedMs: 60_000, approvals: [expect.objectContaining({ approver: 'ops-lead' })] })]);
  expect(report.attempts.retried).toEqual([{ service: 'db', step: 'migrate', attempts: 2 }]);
  expect(report.criticalPath?.planned).toEqual({ services: ['db', 'api'], estimateMs: 240_000 });
});

it('tells a pending decision and a refused message on one line each', () => {
  const before = snapshot({ state: 'paused' });
  const after = snapshot({
    state: 'paused',
    pendingDecision: { service: 'api', error: 'exit 1\nlast output', since: '2026-01-01T00:03:00.000Z' },
    audit: [{ at: '2026-01-01T00:03:01.000Z', actor: 'intern', action: 'decide', via: 'signal', target: 'skip', accepted: false, reason: 'not an approver' }],
  });
  expect(diffProgress(before, after).map((e) => [e.kind, e.text])).toEqual([
    ['decision', 'intern: decide skip via signal — refused: not an approver'],
    ['decision', 'decision needed on api: exit 1 | last output — maestro decide r1 retry|skip|rollback|abort --as NAME'],
  ]);
});

it('estimates what is left along the critical path', () => {
  const eta = estimateRun(plan, snapshot({}, { state: 'approved' }), Date.parse('2026-01-01T00:01:00.000Z'));
  expect(eta).toMatchObject({ criticalPath: ['db', 'api'], criticalPathMs: 240_000, remainingMs: 180_000, fraction: 0.25, settled: 1, total: 2 });
});
