import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { progressQuery } from '../../workflows/messages';
import { maestro } from '../helpers/cli';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { killSpawned } from '../helpers/processes';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

/**
 * A metric check that cannot tell (an empty result from a real Prometheus) pauses the run for a
 * person's decision by default, whatever onFailure says; `inconclusive: wait` still applies onFailure.
 */
let env: TestWorkflowEnvironment;
let exporter: Server;
let prometheus: TestPrometheus;

useTestCluster((started) => ({ env } = started));

beforeAll(async () => {
  exporter = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE app_error_ratio gauge\napp_error_ratio{service="api"} 0.01\n'));
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  prometheus = await startPrometheus([`127.0.0.1:${(exporter.address() as AddressInfo).port}`]);
  await prometheus.targetsUp();
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter?.close(resolve));
  await killSpawned();
});

const cli = (...args: string[]) => maestro(env.address, ...args);

function plan(name: string, log: string, inconclusive?: 'wait') {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      strategy: { onFailure: 'rollback' },
      approvals: { approvers: ['ops-lead'] },
      defaults: { retry: { maxAttempts: 1 } },
      services: {
        api: {
          node: 'macpro51',
          steps: [
            { name: 'deploy', run: logStep(log), undo: logStep(log) },
            {
              name: 'analysis',
              check: { prometheus: { url: prometheus.url, query: 'app_error_ratio{service="no-such"}', failureCondition: '> 0.05', ...(inconclusive ? { inconclusive } : {}) }, interval: '200ms', failures: 3, timeout: '3s' },
            },
          ],
        },
      },
    }),
  );
}

describe('an inconclusive metric check (real Prometheus, real dev server)', () => {
  it('pauses the run for a decision by default, shows why in status, and obeys `maestro decide`', async () => {
    const log = join(tempDir(), 'log');
    const run = await startRun(env, plan('inconclusive-pause', log));
    const paused = await waitFor('a pending decision', async () => {
      const p = await run.handle.query(progressQuery);
      return p.pendingDecision && p;
    });
    // Not rolled back although onFailure is rollback: nobody knows whether the analysis failed.
    expect(paused.state).toBe('paused');
    expect(paused.pendingDecision?.error).toContain('query app_error_ratio{service="no-such"}: empty result (inconclusive) (3 inconclusive probes in a row)');
    const status = await cli('status', run.runId);
    expect(status.out).toContain('empty result (inconclusive)');
    expect(status.out).toContain(`maestro decide ${run.runId}`);

    const decided = await cli('decide', run.runId, 'rollback', '--as', 'ops-lead');
    expect(decided.code).toBe(0);
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('rolled-back');
    expect(progress.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'decide', target: 'rollback', accepted: true })]);
    expect(logLines(log)).toEqual(['api deploy do macpro51', 'api deploy undo macpro51']);
  });

  it('status shows a running check\'s resolved query and last values (from its heartbeats)', async () => {
    const p = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'analysis-live',
        services: { api: { node: 'macpro51', steps: [{ name: 'analysis', check: { prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' }, interval: '200ms', successes: 1000, timeout: '10m' } }] } },
      }),
    );
    const run = await startRun(env, p);
    const line = 'query max(app_error_ratio) = [0.01]: good (bad when any value > 0.05)';
    const status = await waitFor('status to show the last probe', async () => {
      const r = await cli('status', run.runId);
      return r.out.includes(line) && r;
    });
    expect(status.code).toBe(0);
    // The same as data in status --json: the query as sent and the values it returned.
    const json = JSON.parse((await cli('status', run.runId, '--json')).out) as { services: Record<string, { steps: Array<{ query?: string; lastValues?: number[] }> }> };
    expect(json.services.api!.steps[0]).toMatchObject({ query: 'max(app_error_ratio)', lastValues: [0.01] });
    expect((await cli('abort', run.runId, '--as', 'ops-lead')).code).toBe(0);
    expect((await run.finished()).outcome.state).toBe('aborted');
  });

  it('with inconclusive: wait, fails the check at its timeout and applies onFailure (no decision asked)', async () => {
    const run = await startRun(env, plan('inconclusive-wait', join(tempDir(), 'log'), 'wait'));
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('rolled-back');
    expect(progress.pendingDecision).toBeUndefined();
    expect(progress.failure).toContain('inconclusive for 3000ms');
    // Recorded by the service as data too: the query; no values, the result was empty.
    expect(progress.services.api!.steps[1]).toMatchObject({ query: 'app_error_ratio{service="no-such"}' });
    expect(progress.services.api!.steps[1]!.lastValues).toBeUndefined();
  });
});
