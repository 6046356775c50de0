import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { decideUpdate, progressQuery } from '../../workflows/messages';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { waitFor } from '../helpers/wait-for';
import { startRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';

let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started));

describe('onFailure: pause when the failed service is the last thing left to run', () => {
  // A failed service is settled; with nothing else left to run, the run must still wait for the
  // decision rather than end `failed` (fixed behind the wait-for-decision-when-settled patch).
  it('still waits for the operator’s decision, and a retry after the fix succeeds', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const fixed = join(dir, 'fixed');
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'last-one-fails',
        strategy: { onFailure: 'pause' },
        defaults: { retry: { maxAttempts: 1 } },
        approvals: { approvers: ['ops-lead'] },
        services: {
          steady: { node: 'macbook-air', steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
          flaky: { node: 'macpro51', dependsOn: ['steady'], steps: [{ name: 'x', run: logStep(log, `[ -e '${fixed}' ]`), undo: logStep(log) }] },
        },
      }),
    );
    const run = await startRun(env, plan);
    await waitFor('a pending decision', async () => (await run.handle.query(progressQuery)).pendingDecision);
    const { status } = await run.handle.describe();
    expect(status.name).toBe('RUNNING');

    writeFileSync(fixed, '');
    await run.handle.executeUpdate(decideUpdate, { args: [{ action: 'retry', approver: 'ops-lead' }] });
    const { outcome } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toEqual(['steady x do macbook-air', 'flaky x do macpro51', 'flaky x do macpro51']);
  }, 60_000);
});
