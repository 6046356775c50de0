import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { progressQuery } from '../../workflows/messages';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

// Real dev server, real workers, real commands: every assertion reads what the commands wrote.
let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started));

const fast = { maxAttempts: 1 };

function plan(name: string, services: Record<string, unknown>, strategy: Record<string, unknown> = {}) {
  return planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name, strategy: { maxParallel: 8, ...strategy }, defaults: { retry: fast }, services }));
}

function step(log: string, name: string, extra: Record<string, unknown> = {}, then = 'true') {
  return { name, run: logStep(log, then), undo: logStep(log), ...extra };
}

describe('deployment workflow (real dev server)', () => {
  it('runs every step on the worker of its node, wave by wave', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('routing', {
      a: { node: 'macpro51', steps: [step(log, 'one'), step(log, 'two')] },
      b: { node: 'macbook-air', dependsOn: ['a'], steps: [step(log, 'one')] },
      c: { node: 'mac-studio', dependsOn: ['a'], steps: [step(log, 'one')] },
    });
    const run = await startRun(env, p);
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    const lines = logLines(log);
    expect(lines.slice(0, 2)).toEqual(['a one do macpro51', 'a two do macpro51']);
    expect(lines.slice(2).sort()).toEqual(['b one do macbook-air', 'c one do mac-studio']);
    expect(progress.services.a?.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
    expect(progress.waves).toEqual([['a'], ['b', 'c']]);
  });

  it('retries a failing step with the same idempotency key until it succeeds', async () => {
    const dir = tempDir();
    const log = join(dir, 'attempts');
    // Fails on attempts 1 and 2, succeeds on 3.
    const flaky = ['/bin/sh', '-c', `echo "$MAESTRO_ATTEMPT $MAESTRO_IDEMPOTENCY_KEY" >> '${log}'; [ "$MAESTRO_ATTEMPT" -ge 3 ]`];
    const p = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'retries',
        services: { a: { node: 'macpro51', steps: [{ name: 'flaky', run: flaky, retry: { maxAttempts: 3, initialInterval: '100ms', backoff: 1 } }] } },
      }),
    );
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('succeeded');
    const lines = logLines(log).map((l) => l.split(' '));
    expect(lines.map(([attempt]) => attempt)).toEqual(['1', '2', '3']);
    expect(new Set(lines.map(([, key]) => key)).size).toBe(1);
    expect(progress.services.a?.steps[0]?.attempts).toBe(3);
  });

  it('undoes a failed service’s completed steps in reverse order', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('own-undo', {
      a: { node: 'macpro51', steps: [step(log, 's1'), step(log, 's2'), step(log, 's3', {}, 'exit 7')] },
    });
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('rolled-back');
    expect(logLines(log)).toEqual(['a s1 do macpro51', 'a s2 do macpro51', 'a s3 do macpro51', 'a s2 undo macpro51', 'a s1 undo macpro51']);
    expect(progress.services.a?.state).toBe('failed');
    expect(progress.services.a?.error).toMatch(/s3.*exit.*7/i);
    expect(progress.services.a?.steps.map((s) => s.state)).toEqual(['undone', 'undone', 'failed']);
  });

  it('rolls back across services in reverse dependency order', async () => {
    const log = join(tempDir(), 'log');
    // A → B → C, D beside B (depends on A). C fails: C's own undo, then B and D, then A.
    const p = plan('cross-rollback', {
      A: { node: 'macpro51', steps: [step(log, 'x')] },
      B: { node: 'macbook-air', dependsOn: ['A'], steps: [step(log, 'x')] },
      D: { node: 'mac-studio', dependsOn: ['A'], steps: [step(log, 'x')] },
      C: { node: 'macpro51', dependsOn: ['B'], steps: [step(log, 'x'), step(log, 'y', {}, 'exit 1')] },
    });
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('rolled-back');
    const undos = logLines(log).filter((l) => l.includes(' undo '));
    expect(undos[0]).toBe('C x undo macpro51');
    expect(undos.slice(1, 3).sort()).toEqual(['B x undo macbook-air', 'D x undo mac-studio']);
    expect(undos[3]).toBe('A x undo macpro51');
    expect(undos).toHaveLength(4);
    expect(progress.services.A?.state).toBe('rolled-back');
    expect(progress.services.C?.state).toBe('failed');
  });

  it('onFailure continue skips exactly the dependents of the failed service', async () => {
    const log = join(tempDir(), 'log');
    const p = plan(
      'continue',
      {
        a: { steps: [step(log, 'x', {}, 'exit 1')] },
        b: { dependsOn: ['a'], steps: [step(log, 'x')] },
        c: { dependsOn: ['b'], steps: [step(log, 'x')] },
        d: { steps: [step(log, 'x')] },
        e: { dependsOn: ['d'], steps: [step(log, 'x')] },
      },
      { onFailure: 'continue' },
    );
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('failed');
    expect(Object.fromEntries(Object.values(progress.services).map((s) => [s.name, s.state]))).toEqual({
      a: 'failed',
      b: 'skipped',
      c: 'skipped',
      d: 'succeeded',
      e: 'succeeded',
    });
    expect(logLines(log).filter((l) => / do /.test(l)).map((l) => l.split(' ')[0]).sort()).toEqual(['a', 'd', 'e']);
  });

  it.each([
    ['dag', true],
    ['waves', false],
  ] as const)('%s mode: a service whose dependency is done starts before a slow unrelated sibling finishes: %s', async (mode, startsEarly) => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const release = join(dir, 'release');
    // `slow` waits until the test sees whether `late` started, so no timing guess is involved.
    const waitForRelease = `while [ ! -e '${release}' ]; do sleep 0.05; done`;
    const p = plan(
      `mode-${mode}`,
      {
        quick: { steps: [step(log, 'x')] },
        slow: { steps: [step(log, 'x', {}, waitForRelease)] },
        late: { dependsOn: ['quick'], steps: [step(log, 'x')] },
      },
      { mode },
    );
    const run = await startRun(env, p);
    // Wait until quick has succeeded and slow is running, then look at late. The workflow starts
    // late (or not) in the same activation that records quick's success, so this progress tells.
    const seen = await waitFor('quick to succeed while slow runs', async () => {
      const progress = await run.handle.query(progressQuery);
      return progress.services.quick?.state === 'succeeded' && progress.services.slow?.state === 'running' && progress;
    });
    expect(seen.services.late?.state !== 'pending').toBe(startsEarly);
    const lateStarted = () => logLines(log).some((l) => l.startsWith('late '));
    if (startsEarly) await waitFor('late to start', lateStarted);
    expect(lateStarted()).toBe(startsEarly);
    writeFileSync(release, '');
    const { outcome } = await run.finished();
    expect(outcome.state).toBe('succeeded');
  });

  it('never has more than maxParallel services in flight', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const services = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [
        `s${i}`,
        { steps: [{ name: 'x', run: ['/bin/sh', '-c', `echo start >> '${log}'; sleep 0.3; echo end >> '${log}'`] }] },
      ]),
    );
    const { outcome } = await (await startRun(env, plan('parallel', services, { maxParallel: 2 }))).finished();

    expect(outcome.state).toBe('succeeded');
    let inFlight = 0;
    let peak = 0;
    for (const line of logLines(log)) {
      inFlight += line === 'start' ? 1 : -1;
      peak = Math.max(peak, inFlight);
    }
    expect(peak).toBe(2);
  });
});
