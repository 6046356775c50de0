import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { maestro } from '../helpers/cli';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { killSpawned } from '../helpers/processes';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

/**
 * Background checks (`services.<name>.analysis`) against a real Prometheus scraping an exporter
 * whose error ratio the test sets, on the real dev server with real node workers: a check that
 * holds passes and the run succeeds; a ratio that rises while a later wave runs rolls everything
 * back; an empty result pauses the run for a person.
 */
let env: TestWorkflowEnvironment;
let exporter: Server;
let prometheus: TestPrometheus;
let errorRatio = 0.01;

useTestCluster((started) => ({ env } = started));

beforeAll(async () => {
  exporter = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# TYPE app_error_ratio gauge\napp_error_ratio{service="api"} ${errorRatio}\n`));
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  prometheus = await startPrometheus([`127.0.0.1:${(exporter.address() as AddressInfo).port}`]);
  await prometheus.targetsUp();
  await setRatio(0.01);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter?.close(resolve));
  await killSpawned();
});

const cli = (...args: string[]) => maestro(env.address, ...args);

async function setRatio(ratio: number): Promise<void> {
  errorRatio = ratio;
  await waitFor(`Prometheus to see ratio ${ratio}`, async () => (await prometheus.query('app_error_ratio'))[0]?.value === ratio, 15_000, 200);
}

/** api (wave 1) with one background check, web (wave 2) after it; `webSteps` are web's steps. */
function plan(name: string, analysis: Record<string, unknown>, webSteps: unknown[], log: string, onFailure = 'rollback') {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      strategy: { onFailure },
      approvals: { approvers: ['ops-lead'] },
      defaults: { retry: { maxAttempts: 1 } },
      services: {
        api: {
          node: 'macpro51',
          steps: [{ name: 'deploy', run: logStep(log), undo: logStep(log) }],
          analysis: [{ name: 'error-rate', interval: '200ms', failures: 2, ...analysis }],
        },
        web: { node: 'macpro51', dependsOn: ['api'], steps: webSteps },
      },
    }),
  );
}

describe('background checks (real Prometheus, real dev server)', () => {
  it('a check that holds for its window passes; the run waits for the window and succeeds', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('bake-pass', { for: '3s', prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' } }, [{ name: 'deploy', run: logStep(log) }], log);
    const run = await startRun(env, p);
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toEqual(['api deploy do macpro51', 'web deploy do macpro51']);
    const [analysis] = progress.analyses ?? [];
    expect(analysis).toMatchObject({ service: 'api', name: 'error-rate', state: 'passed', node: 'macpro51', query: 'max(app_error_ratio)', condition: 'bad when any value > 0.05', lastValues: [0.01] });
    expect(analysis!.probes).toBeGreaterThan(2);
    // web took far less than 3 s: the run ended only once the window had passed.
    expect(Date.parse(progress.endedAt!)).toBeGreaterThanOrEqual(Date.parse(analysis!.endsAt!));
    expect(Date.parse(progress.services.web!.endedAt!)).toBeLessThan(Date.parse(analysis!.endsAt!));
  });

  it('pauses on an empty result (inconclusive: pause), says so in status, and `decide skip` lets the run go on', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const marker = join(dir, 'go-on');
    // web soaks until the test says so: it is still running when the decision is asked.
    const webSteps = [{ name: 'deploy', run: logStep(log) }, { name: 'soak', run: logStep(log, `while [ ! -e '${marker}' ]; do sleep 0.1; done`) }];
    const p = plan('bake-inconclusive', { for: '10m', prometheus: { url: prometheus.url, query: 'app_error_ratio{service="no-such"}', failureCondition: '> 0.05' } }, webSteps, log);
    const run = await startRun(env, p);
    const paused = await waitFor('a pending decision', async () => {
      const progress = await run.handle.query(progressQuery);
      return progress.pendingDecision && progress;
    });
    // Not rolled back although onFailure is rollback: nobody knows whether api is bad. web's running step goes on.
    expect(paused.state).toBe('paused');
    expect(paused.pendingDecision).toMatchObject({ service: 'api', analysis: 'error-rate' });
    expect(paused.pendingDecision!.error).toContain('query app_error_ratio{service="no-such"}: empty result (inconclusive) (2 inconclusive probes in a row)');
    expect(paused.services.web!.state).toBe('running');
    expect(paused.analyses?.[0]?.state).toBe('inconclusive');
    const status = await cli('status', run.runId);
    expect(status.out).toContain('decision pending on background check api/error-rate');
    expect(status.out).toContain('query app_error_ratio{service="no-such"} (bad when any value > 0.05)');

    expect((await cli('decide', run.runId, 'skip', '--as', 'ops-lead')).code).toBe(0);
    writeFileSync(marker, '');
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(progress.analyses?.[0]?.state).toBe('skipped');
    expect(progress.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'decide', target: 'skip', accepted: true })]);
    expect(logLines(log)).toEqual(['api deploy do macpro51', 'web deploy do macpro51', 'web soak do macpro51']);
  });

  it('status and status --json show a running check\'s query, condition and last values as data, from its heartbeats', async () => {
    const log = join(tempDir(), 'log');
    const webSteps = [{ name: 'soak', run: logStep(log, 'sleep 120') }];
    const p = plan('bake-live', { prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' } }, webSteps, log);
    const run = await startRun(env, p);
    const json = await waitFor('status --json to show the last values', async () => {
      const r = await cli('status', run.runId, '--json');
      const analysis = (JSON.parse(r.out) as RunProgress).analyses?.[0];
      return analysis?.lastValues && analysis;
    });
    expect(json).toMatchObject({ service: 'api', name: 'error-rate', state: 'running', query: 'max(app_error_ratio)', condition: 'bad when any value > 0.05', lastValues: [0.01], lastObservation: 'query max(app_error_ratio) = [0.01]: good (bad when any value > 0.05)' });
    expect(json.probes).toBeGreaterThan(0);
    const text = await cli('status', run.runId);
    expect(text.out).toMatch(/background checks\n {2}api\/error-rate +running +macpro51 .* until the run ends\n {6}query max\(app_error_ratio\) \(bad when any value > 0\.05\) last values \[0\.01\]/);
    expect((await cli('abort', run.runId, '--as', 'ops-lead')).code).toBe(0);
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('aborted');
    // Stopped by the run's end, not passed: nothing judged it to the end.
    expect(progress.analyses?.[0]?.state).toBe('stopped');
  });

  it('rolls the run back when the error ratio rises while a later wave runs: completed steps undone in reverse order', async () => {
    const log = join(tempDir(), 'log');
    const webSteps = [
      { name: 'deploy', run: logStep(log), undo: logStep(log) },
      { name: 'soak', run: logStep(log, 'sleep 120') },
    ];
    const p = plan('bake-rollback', { prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' } }, webSteps, log);
    const run = await startRun(env, p);
    try {
      await waitFor('web to be in its soak step, the background check watching api', async () => {
        const progress = await run.handle.query(progressQuery);
        return logLines(log).includes('web soak do macpro51') && progress.analyses?.[0]?.state === 'running';
      });
      await setRatio(0.2);
      const { outcome, progress } = await run.finished();
      expect(outcome.state).toBe('rolled-back');
      expect(progress.failure).toContain('api/error-rate (background check): query max(app_error_ratio) = [0.2]: bad (bad when any value > 0.05) (2 bad probes in a row)');
      expect(progress.analyses?.[0]).toMatchObject({ state: 'failed', lastValues: [0.2] });
      expect(progress.services.web?.state).toBe('cancelled');
      expect(progress.services.api?.state).toBe('rolled-back');
      // web was cancelled in its soak and undid its deploy; then the succeeded api was undone.
      expect(logLines(log)).toEqual(['api deploy do macpro51', 'web deploy do macpro51', 'web soak do macpro51', 'web deploy undo macpro51', 'api deploy undo macpro51']);
    } finally {
      await setRatio(0.01);
    }
  });

  it('onFailure: pause — a failed check waits for a decision; `decide retry` starts a new window, which passes; report lists it', async () => {
    const log = join(tempDir(), 'log');
    await setRatio(0.2);
    try {
      const p = plan('bake-retry', { for: '1s', prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' } }, [{ name: 'deploy', run: logStep(log) }], log, 'pause');
      const run = await startRun(env, p);
      const paused = await waitFor('a pending decision', async () => {
        const progress = await run.handle.query(progressQuery);
        return progress.pendingDecision && progress;
      });
      expect(paused.pendingDecision).toMatchObject({ service: 'api', analysis: 'error-rate' });
      expect(paused.analyses?.[0]).toMatchObject({ state: 'failed', lastValues: [0.2] });
      await setRatio(0.01);
      expect((await cli('decide', run.runId, 'retry', '--as', 'ops-lead')).code).toBe(0);
      const { outcome, progress } = await run.finished();
      expect(outcome.state).toBe('succeeded');
      expect(progress.analyses).toEqual([expect.objectContaining({ state: 'passed', lastValues: [0.01] })]);
      const report = await cli('report', run.runId);
      expect(report.out).toContain('## Background checks');
      expect(report.out).toMatch(/\| api\/error-rate \| passed \| macpro51 \| \d+ \| max\(app_error_ratio\) \(bad when any value > 0\.05\) \| 0\.01 \|/);
    } finally {
      await setRatio(0.01);
    }
  });

  it('onFailure: continue — a failed check is recorded, later waves go on, nothing is undone, the run ends failed', async () => {
    const log = join(tempDir(), 'log');
    await setRatio(0.2);
    try {
      // A window, so the run cannot end (and stop the check) before its verdict.
      const p = plan('bake-continue', { for: '30s', prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' } }, [{ name: 'deploy', run: logStep(log) }], log, 'continue');
      const run = await startRun(env, p);
      const { outcome, progress } = await run.finished();
      expect(outcome.state).toBe('failed');
      expect(progress.failure).toContain('api/error-rate (background check)');
      expect(progress.services.web?.state).toBe('succeeded');
      expect(progress.analyses?.[0]?.state).toBe('failed');
      expect(logLines(log)).toEqual(['api deploy do macpro51', 'web deploy do macpro51']);
    } finally {
      await setRatio(0.01);
    }
  });
});
