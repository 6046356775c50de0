import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NormalizedPlan } from '../../plan/types';
import { abortSignal } from '../../workflows/messages';
import { planFrom } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { StandIns, useStandInCluster, type Script } from '../helpers/stand-in-activities';
import { uniqueSuffix } from '../helpers/temporal-env';
import { waitFor } from '../helpers/wait-for';

// The fast tier: the real workflows on the time-skipping server, stand-in activities scripted per
// run. Each test here was written first against the code before issue 12 and failed there.
let env: TestWorkflowEnvironment;
const standIns = new StandIns();
useStandInCluster(standIns, (started) => (env = started));

const plan = (name: string, body: Record<string, unknown>): NormalizedPlan =>
  planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name, defaults: { retry: { maxAttempts: 1 } }, ...body }));
/** Starts the plan under a fresh id, scripted before its first step can run. */
async function start(p: NormalizedPlan, script: Script = {}, options: { startedBy?: string; autoApprove?: boolean } = {}) {
  const id = uniqueSuffix(p.name);
  standIns.script(id, script);
  return startRun(env, p, { id, indexed: false, ...options });
}
const step = (name: string) => ({ name, run: ['do', name], undo: ['undo', name] });

describe('what a service child leaves behind (stand-in activities)', () => {
  it('an undo that fails inside a failing service makes the run rollback-incomplete, naming the step', async () => {
    // b: x succeeds (its undo exits 4), y fails.
    const p = plan('undo-fails-in-service', { services: { b: { node: 'macpro51', steps: [step('x'), step('y')] } } });
    const run = await start(p, { 'b/y/do': 'fail', 'b/x/undo': 'fail' });
    const { outcome, progress } = await run.finished();

    expect(standIns.trace(run.runId)).toEqual(['b/x/do@macpro51', 'b/y/do@macpro51', 'b/x/undo@macpro51']);
    expect(outcome.state).toBe('rollback-incomplete');
    expect(progress.rollbackFailures).toEqual([{ service: 'b', step: 'x', error: expect.stringContaining('exited with 4') }]);
    expect(progress.services.b?.steps.map((s) => s.state)).toEqual(['undo-failed', 'failed']);
  });

  it('an abort while a step hangs keeps the record: the step that ran, the undo that failed', async () => {
    const p = plan('abort-keeps-record', { services: { a: { node: 'macpro51', steps: [step('one'), step('two')] } } });
    const run = await start(p, { 'a/two/do': 'hang', 'a/one/undo': 'fail' });
    await waitFor('a/two to hang', () => standIns.trace(run.runId).includes('a/two/do@macpro51'));
    await run.handle.signal(abortSignal, { by: 'ops-lead' });
    const { outcome, progress } = await run.finished();

    expect(standIns.trace(run.runId)).toEqual(['a/one/do@macpro51', 'a/two/do@macpro51', 'a/one/undo@macpro51']);
    expect(outcome.state).toBe('rollback-incomplete');
    expect(progress.services.a).toMatchObject({ state: 'rollback-failed', node: 'macpro51' });
    expect(progress.services.a?.steps.map((s) => [s.name, s.state])).toEqual([
      ['one', 'undo-failed'],
      ['two', 'skipped'],
    ]);
    expect(progress.rollbackFailures).toEqual([{ service: 'a', step: 'one', error: expect.stringContaining('exited with 4') }]);
  });

  it('a cancelled child whose undo succeeded reports its steps undone', async () => {
    const p = plan('abort-undone', { services: { a: { node: 'macpro51', steps: [step('one'), step('two')] } } });
    const run = await start(p, { 'a/two/do': 'hang' });
    await waitFor('a/two to hang', () => standIns.trace(run.runId).includes('a/two/do@macpro51'));
    await run.handle.signal(abortSignal, { by: 'ops-lead' });
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('aborted');
    expect(progress.services.a?.state).toBe('cancelled');
    expect(progress.services.a?.steps.map((s) => s.state)).toEqual(['undone', 'skipped']);
    expect(progress.rollbackFailures).toEqual([]);
  });

  it('idempotency keys come from identity: <run>/<service>/<step>[/undo], whichever workflow runs the command', async () => {
    // a succeeds and is undone by the cross-service rollback (an undo child); b undoes its own step.
    const p = plan('keys', {
      services: {
        a: { node: 'macpro51', steps: [step('one'), step('two')] },
        b: { node: 'macbook-air', dependsOn: ['a'], steps: [step('one'), step('breaks')] },
      },
    });
    const run = await start(p, { 'b/breaks/do': 'fail' });
    const { outcome } = await run.finished();
    expect(outcome.state).toBe('rolled-back');
    const keys = standIns.callsOf(run.runId).map((c) => c.context.idempotencyKey);
    const id = run.runId;
    expect(keys).toEqual([`${id}/a/one`, `${id}/a/two`, `${id}/b/one`, `${id}/b/breaks`, `${id}/b/one/undo`, `${id}/a/two/undo`, `${id}/a/one/undo`]);
  });

  it('a cross-service undo that fails is named, the others still run', async () => {
    const p = plan('cross-undo-fails', {
      services: {
        a: { node: 'macpro51', steps: [step('one'), step('two')] },
        b: { node: 'macbook-air', dependsOn: ['a'], steps: [step('breaks')] },
      },
    });
    const run = await start(p, { 'b/breaks/do': 'fail', 'a/two/undo': 'fail' });
    const { outcome, progress } = await run.finished();
    expect(standIns.trace(run.runId).slice(-2)).toEqual(['a/two/undo@macpro51', 'a/one/undo@macpro51']);
    expect(outcome.state).toBe('rollback-incomplete');
    expect(progress.services.a?.state).toBe('rollback-failed');
    expect(progress.services.a?.steps.map((s) => s.state)).toEqual(['undone', 'undo-failed']);
    expect(progress.rollbackFailures).toEqual([{ service: 'a', step: 'two', error: expect.stringContaining('exited with 4') }]);
  });
});
