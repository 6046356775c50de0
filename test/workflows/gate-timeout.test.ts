import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { startTimeSkippingServer } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';

// The time-skipping test server: a 24-hour gate times out as soon as the run waits on nothing else.
let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started), { server: startTimeSkippingServer });

function gated(onTimeout: 'approve' | 'reject', log: string) {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name: `gate-timeout-${onTimeout}`,
      defaults: { retry: { maxAttempts: 1 } },
      approvals: { gates: [{ beforeWave: 2, timeout: '24h', onTimeout }] },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
        second: { node: 'mac-studio', dependsOn: ['first'], steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }, { name: 'bake', wait: '2h' }] },
      },
    }),
  );
}

describe('gate timeouts (time-skipping server)', () => {
  it('onTimeout: approve lets wave 2 through after 24 hours, recorded as timed out', async () => {
    const log = join(tempDir(), 'log');
    const run = await startRun(env, gated('approve', log), { indexed: false });
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    expect(progress.gates[0]).toMatchObject({ state: 'timed-out', onTimeout: 'approve', decidedBy: 'timer' });
    expect(progress.audit).toEqual([expect.objectContaining({ action: 'timeout', via: 'timer', target: 'wave-2' })]);
    expect(logLines(log)).toEqual(['first x do macpro51', 'second x do mac-studio']);
    // 24 h of gate and 2 h of bake passed in server time, not in wall time.
    expect(Date.parse(progress.endedAt!) - Date.parse(progress.startedAt)).toBeGreaterThanOrEqual(26 * 3600_000);
  });

  it('onTimeout: reject fails the gate after 24 hours and rolls wave 1 back', async () => {
    const log = join(tempDir(), 'log');
    const { outcome, progress } = await (await startRun(env, gated('reject', log), { indexed: false })).finished();

    expect(outcome.state).toBe('rolled-back');
    expect(outcome.failure).toMatch(/gate wave-2 did not pass/);
    expect(progress.gates[0]).toMatchObject({ state: 'timed-out', onTimeout: 'reject' });
    expect(logLines(log)).toEqual(['first x do macpro51', 'first x undo macpro51']);
  });
});
