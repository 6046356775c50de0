import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveSignal, progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { maestro } from '../helpers/cli';
import { waitFor } from '../helpers/wait-for';

let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started));

/** The CLI, in process, against the test server. */
const cli = (...args: string[]) => maestro(env.address, ...args);

function gatedPlan(name: string, log: string, extra: { approvals?: Record<string, unknown>; strategy?: Record<string, unknown> } = {}) {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      strategy: { onFailure: 'rollback', ...extra.strategy },
      defaults: { retry: { maxAttempts: 1 } },
      approvals: { approvers: ['ops-lead', 'dba'], gates: [{ beforeWave: 2, timeout: '24h' }], ...extra.approvals },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
      },
    }),
  );
}

const progress = (run: StartedRun) => run.handle.query(progressQuery);

async function untilGateOpen(run: StartedRun, id = 'wave-2'): Promise<RunProgress> {
  return until(run, (p) => p.gates.find((g) => g.id === id)?.state === 'open', `gate ${id} to open`);
}

/** The run's progress once `predicate` holds for it. */
function until(run: StartedRun, predicate: (p: RunProgress) => boolean, what = 'the run to get there'): Promise<RunProgress> {
  return waitFor(what, async () => {
    const p = await progress(run);
    return predicate(p) && p;
  });
}

describe('approval gates (real dev server)', () => {
  it('holds wave 2 until approved through `maestro approve` (an update)', async () => {
    const log = join(tempDir(), 'log');
    const run = await startRun(env, gatedPlan('gate-update', log));
    const open = await untilGateOpen(run);
    expect(open.state).toBe('awaiting-approval');
    expect(logLines(log)).toEqual(['first x do macpro51']);

    const approved = await cli('approve', run.runId, '--as', 'ops-lead', '--wave', '2', '--comment', 'looks good');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('gate wave-2: approved');

    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toEqual(['first x do macpro51', 'second x do macbook-air']);
    expect(final.gates[0]).toMatchObject({ state: 'approved', decidedBy: 'ops-lead' });
    expect(final.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'approve', via: 'update', target: 'wave-2', comment: 'looks good', accepted: true })]);
  });

  it('accepts an approval signalled with the real Temporal CLI, and records a malformed one as refused', async () => {
    const run = await startRun(env, gatedPlan('gate-signal', join(tempDir(), 'log')));
    await untilGateOpen(run);
    const temporal = resolveTemporalBinary('cli');
    const signal = (input: string) =>
      promisify(execFile)(temporal, ['workflow', 'signal', '--address', env.address, '--workflow-id', run.runId, '--name', 'approve', '--input', input]);

    await signal('{"who":"nobody"}');
    await signal('{"approver":"dba","wave":2}');
    const { outcome, progress: final } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    expect(final.audit).toEqual([
      expect.objectContaining({ action: 'approve', via: 'signal', accepted: false, reason: expect.stringMatching(/malformed payload/) }),
      expect.objectContaining({ actor: 'dba', action: 'approve', via: 'signal', accepted: true }),
    ]);
  });

  it('refuses bad approvals with a reason (exit 3) and changes nothing', async () => {
    const run = await startRun(
      env,
      gatedPlan('gate-refusals', join(tempDir(), 'log'), {
        approvals: { approvers: ['ops-lead', 'dba', 'tester'], allowSelfApproval: false, gates: [{ beforeWave: 2, minApprovals: 2 }] },
      }),
      { startedBy: 'tester' },
    );
    await untilGateOpen(run);
    expect((await cli('approve', run.runId, '--as', 'ops-lead')).code).toBe(0);
    const before = await progress(run);

    const cases: Array<[string[], RegExp]> = [
      [['--as', 'mallory'], /mallory may not answer gate wave-2: approvers are ops-lead, dba, tester/],
      [['--as', 'dba', '--wave', '3'], /no gate is open for wave-3/],
      [['--as', 'tester'], /tester started this run and the plan does not allow self-approval/],
      [['--as', 'ops-lead'], /ops-lead already approved gate wave-2; it needs 2 distinct approvers/],
    ];
    for (const [flags, reason] of cases) {
      const result = await cli('approve', run.runId, ...flags);
      expect(result.code).toBe(3);
      expect(result.err).toMatch(reason);
    }
    const malformed = await run.handle.executeUpdate('approve', { args: [{ approver: '' }] }).catch((err: Error) => err);
    expect(String((malformed as Error & { cause?: Error }).cause?.message)).toMatch(/malformed payload: approver/);
    expect(await progress(run)).toEqual(before);

    expect((await cli('approve', run.runId, '--as', 'dba')).code).toBe(0);
    expect((await run.finished()).outcome.state).toBe('succeeded');
  });

  it('a rejection rolls back what wave 1 did', async () => {
    const log = join(tempDir(), 'log');
    const run = await startRun(env, gatedPlan('gate-reject', log));
    await untilGateOpen(run);
    const rejected = await cli('reject', run.runId, '--as', 'dba', '--reason', 'not during peak hours');
    expect(rejected.code).toBe(0);

    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('rolled-back');
    expect(outcome.failure).toMatch(/wave-2.*not during peak hours/);
    expect(logLines(log)).toEqual(['first x do macpro51', 'first x undo macpro51']);
    expect(final.gates[0]).toMatchObject({ state: 'rejected', decidedBy: 'dba', reason: 'not during peak hours' });
  });

  it('an approval flood loses nothing and keeps the audit trail bounded', async () => {
    const run = await startRun(env, gatedPlan('gate-flood', join(tempDir(), 'log')));
    await untilGateOpen(run);
    const flood = Array.from({ length: 300 }, (_, i) => run.handle.signal(approveSignal, { approver: `intruder-${i}` }));
    await Promise.all(flood);
    await run.handle.signal(approveSignal, { approver: 'ops-lead' });
    const { outcome, progress: final } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    const refused = final.audit.filter((a) => !a.accepted);
    expect(refused).toHaveLength(200);
    expect(final.refusedNotRecorded).toBe(100);
    expect(final.audit.filter((a) => a.accepted)).toEqual([expect.objectContaining({ actor: 'ops-lead' })]);
  });
});

describe('pause, resume, abort and decisions (real dev server)', () => {
  function twoStepPlan(name: string, log: string, release: string, strategy: Record<string, unknown> = {}) {
    const waitRelease = `while [ ! -e '${release}' ]; do sleep 0.05; done`;
    return planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name,
        strategy,
        defaults: { retry: { maxAttempts: 1 } },
        services: {
          a: { node: 'macpro51', steps: [{ name: 'one', run: logStep(log, waitRelease), undo: logStep(log) }, { name: 'two', run: logStep(log), undo: logStep(log) }] },
          b: { node: 'mac-studio', dependsOn: ['a'], steps: [{ name: 'one', run: logStep(log), undo: logStep(log) }] },
        },
      }),
    );
  }

  it('pause lets the running step finish and starts nothing new until resume', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const release = join(dir, 'release');
    const run = await startRun(env, twoStepPlan('pause', log, release));
    await until(run, () => logLines(log).length === 1);
    expect((await cli('pause', run.runId, '--as', 'ops-lead')).code).toBe(0);
    await until(run, (p) => p.state === 'paused');
    writeFileSync(release, '');
    // The running step finishes (the child's own progress says so). Unpaused, the child would
    // start step two in the same workflow task, so a finished step one beside a pending step two
    // is only ever seen while paused.
    const status = await waitFor('step one to finish', async () => {
      const s = JSON.parse((await cli('status', run.runId, '--json')).out) as RunProgress;
      return s.services.a?.steps[0]?.state === 'succeeded' && s;
    });
    expect(status.services.a?.steps[1]?.state).toBe('pending');
    expect(logLines(log)).toEqual(['a one do macpro51']);

    expect((await cli('resume', run.runId, '--as', 'ops-lead')).code).toBe(0);
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toEqual(['a one do macpro51', 'a two do macpro51', 'b one do mac-studio']);
    expect(final.audit.map((a) => a.action)).toEqual(['pause', 'resume']);
  });

  it.each([
    [true, 'aborted', ['a one do macpro51', 'a two do macpro51', 'b one do mac-studio', 'a two undo macpro51', 'a one undo macpro51']],
    [false, 'aborted', ['a one do macpro51', 'a two do macpro51', 'b one do mac-studio']],
  ] as const)('abort (rollback %s) ends %s and undoes accordingly', async (rollback, state, expected) => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const release = join(dir, 'release');
    // b hangs, so the abort lands while it runs: b undoes its own step either way.
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: `abort-${rollback}`,
        defaults: { retry: { maxAttempts: 1 } },
        services: {
          a: { node: 'macpro51', steps: [{ name: 'one', run: logStep(log), undo: logStep(log) }, { name: 'two', run: logStep(log), undo: logStep(log) }] },
          b: { node: 'mac-studio', dependsOn: ['a'], steps: [{ name: 'one', run: logStep(log, `while [ ! -e '${release}' ]; do sleep 0.05; done`), undo: logStep(log) }] },
        },
      }),
    );
    const run = await startRun(env, plan);
    await until(run, () => logLines(log).length === 3);
    expect((await cli('abort', run.runId, ...(rollback ? [] : ['--no-rollback']))).code).toBe(0);
    const { outcome, progress: final } = await run.finished();

    expect(outcome.state).toBe(state);
    // b's running step was cancelled mid-way (its process group killed), so it has nothing to undo.
    expect(logLines(log)).toEqual(expected);
    expect(final.services.b?.state).toBe('cancelled');
    expect(final.services.a?.state).toBe(rollback ? 'rolled-back' : 'succeeded');
  });

  it.each([
    ['retry', 'succeeded', ['a x do macpro51', 'flaky x do macbook-air', 'flaky x do macbook-air', 'after x do mac-studio']],
    ['skip', 'failed', ['a x do macpro51', 'flaky x do macbook-air']],
    ['rollback', 'rolled-back', ['a x do macpro51', 'flaky x do macbook-air', 'a x undo macpro51']],
    ['abort', 'aborted', ['a x do macpro51', 'flaky x do macbook-air']],
  ] as const)('onFailure pause, then decide %s → %s', async (action, state, expected) => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const marker = join(dir, 'fixed');
    // `flaky` fails until the marker exists, so a retry after the fix succeeds.
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: `decide-${action}`,
        strategy: { onFailure: 'pause' },
        defaults: { retry: { maxAttempts: 1 } },
        approvals: { approvers: ['ops-lead'] },
        services: {
          a: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
          flaky: { node: 'macbook-air', dependsOn: ['a'], steps: [{ name: 'x', run: logStep(log, `[ -e '${marker}' ]`), undo: logStep(log) }] },
          after: { node: 'mac-studio', dependsOn: ['flaky'], steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
        },
      }),
    );
    const run = await startRun(env, plan);
    const paused = await until(run, (p) => p.pendingDecision !== undefined);
    expect(paused.state).toBe('paused');
    expect(paused.pendingDecision).toMatchObject({ service: 'flaky', error: expect.stringMatching(/exit/) });
    expect(paused.services.after?.state).toBe('pending');

    // Resume cannot answer a pending decision; an unlisted approver cannot decide.
    expect((await cli('resume', run.runId, '--as', 'ops-lead')).code).toBe(0);
    const outsider = await cli('decide', run.runId, action, '--as', 'mallory');
    expect(outsider.code).toBe(3);
    expect(outsider.err).toMatch(/mallory may not decide/);

    writeFileSync(marker, '');
    expect((await cli('decide', run.runId, action, '--as', 'ops-lead')).code).toBe(0);
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe(state);
    expect(logLines(log)).toEqual(expected);
    expect(final.audit).toEqual([
      expect.objectContaining({ action: 'resume', accepted: false, reason: expect.stringMatching(/decision on flaky is pending/) }),
      expect.objectContaining({ actor: 'ops-lead', action: 'decide', target: action, accepted: true }),
    ]);
  });
});
