import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { readProgress } from '../../client/run/progress';
import { progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { maestro } from '../helpers/cli';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

// `maestro tune` mid-run, against the real dev server and real node workers running real commands.
let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started));

const cli = (...args: string[]) => maestro(env.address, ...args);

/** The run's progress as `status` reads it (the services' live steps included), once `predicate` holds. */
function until(run: StartedRun, what: string, predicate: (p: RunProgress) => boolean): Promise<RunProgress> {
  return waitFor(what, async () => {
    const p = await readProgress(env.client, run.handle);
    return predicate(p) && p;
  });
}

/**
 * Wave 1: `a` on macbook-air, held until the test releases it. Wave 2: `b` and `c` may run on
 * either darwin node (one of them routed to macbook-air first), `d` is pinned to macpro51. The
 * steps of b, c and d take a shared lock directory: two at once fail (no retries), so only a
 * run that honours max-parallel 1 succeeds.
 */
function steerPlan(dir: string) {
  const log = join(dir, 'log');
  const held = logStep(log, `while [ ! -e '${join(dir, 'release')}' ]; do sleep 0.05; done`);
  const locked = logStep(log, `mkdir '${join(dir, 'busy')}' && sleep 0.5 && rmdir '${join(dir, 'busy')}'`);
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name: 'tune-live',
      strategy: { maxParallel: 4 },
      defaults: { retry: { maxAttempts: 1 } },
      approvals: { approvers: ['ops-lead'] },
      services: {
        a: { node: 'macbook-air', steps: [{ name: 'x', run: held }] },
        b: { requires: { os: 'darwin' }, dependsOn: ['a'], steps: [{ name: 'x', run: locked }] },
        c: { requires: { os: 'darwin' }, dependsOn: ['a'], steps: [{ name: 'x', run: locked }] },
        d: { node: 'macpro51', dependsOn: ['a'], steps: [{ name: 'x', run: locked }] },
      },
    }),
  );
}

describe('maestro tune (real dev server, mid-run)', () => {
  let release: (() => void) | undefined;
  // A failed assertion must not leave a's step waiting forever on a worker that is shutting down.
  afterEach(() => release?.());

  it('excludes a node, slows down and pauses after a wave; refuses what is impossible with the reason', async () => {
    const dir = tempDir();
    release = () => writeFileSync(join(dir, 'release'), '');
    const run = await startRun(env, steerPlan(dir));
    const before = await until(run, 'a to run', (p) => p.services.a?.steps[0]?.state === 'running');
    // One of b and c would start on macbook-air.
    expect([before.services.b!.node, before.services.c!.node]).toContain('macbook-air');

    // Bad input: exit 2 before anything is sent.
    expect((await cli('tune', run.runId, '--as', 'ops-lead')).code).toBe(2);
    const two = await cli('tune', run.runId, '--as', 'ops-lead', '--max-parallel', '1', '--pause-after-wave', '1');
    expect(two).toMatchObject({ code: 2, err: expect.stringMatching(/exactly one of/) });
    expect((await cli('tune', run.runId, '--as', 'ops-lead', '--max-parallel', 'lots')).err).toMatch(/--max-parallel: expected a whole number from 1 to 1000, got "lots"/);

    // Impossible now: refused with the reason, exit 3, nothing changes.
    const pinned = await cli('tune', run.runId, '--as', 'ops-lead', '--exclude-node', 'macpro51');
    expect(pinned).toMatchObject({ code: 3, err: expect.stringContaining('refused: excluding macpro51 would leave no node for d (it is pinned to macpro51)') });
    expect((await cli('tune', run.runId, '--as', 'intern', '--max-parallel', '1')).err).toMatch(/intern may not tune this run: approvers are ops-lead/);
    expect((await cli('tune', run.runId, '--as', 'ops-lead', '--pause-after-wave', '2')).err).toMatch(/wave 2 is the last wave/);
    expect((await run.handle.query(progressQuery)).tuning).toBeUndefined();

    // Accepted while a's step runs on macbook-air.
    const excluded = await cli('tune', run.runId, '--as', 'ops-lead', '--exclude-node', 'macbook-air', '--comment', 'disk failing');
    expect(excluded).toMatchObject({ code: 0, out: expect.stringContaining('exclude-node macbook-air: macbook-air excluded') });
    expect((await cli('tune', run.runId, '--as', 'ops-lead', '--max-parallel', '1')).code).toBe(0);
    expect((await cli('tune', run.runId, '--as', 'ops-lead', '--pause-after-wave', '1')).code).toBe(0);

    const tuned = await run.handle.query(progressQuery);
    expect(tuned.tuning).toEqual({ excludedNodes: ['macbook-air'], maxParallel: 1, pauseAfterWave: 1 });
    expect([tuned.services.b!.node, tuned.services.c!.node]).toEqual(['mac-studio', 'mac-studio']);
    expect(tuned.services.a).toMatchObject({ state: 'running', node: 'macbook-air' });
    const status = await cli('status', run.runId);
    expect(status.out).toContain('tuned: max-parallel 1; excluded macbook-air; pauses after wave 1');
    expect(status.out).toMatch(/ops-lead: tune exclude-node macbook-air via update \(disk failing\)/);
    const details = await run.handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(details.currentDetails).toContain('tuned: max-parallel 1; excluded macbook-air; pauses after wave 1');

    // The running step finishes where it is; then the run pauses before wave 2.
    release();
    const paused = await until(run, 'the pause after wave 1', (p) => p.state === 'paused');
    expect(paused.services.a).toMatchObject({ state: 'succeeded', node: 'macbook-air' });
    expect(['b', 'c', 'd'].map((s) => paused.services[s]!.state)).toEqual(['pending', 'pending', 'pending']);
    expect(paused.tuning?.pauseAfterWave).toBeUndefined();
    expect((await cli('status', run.runId)).out).toMatch(/ops-lead: pause via auto \(after wave 1, as tuned/);

    expect((await cli('resume', run.runId, '--as', 'ops-lead')).code).toBe(0);
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(join(dir, 'log')).sort()).toEqual(['a x do macbook-air', 'b x do mac-studio', 'c x do mac-studio', 'd x do macpro51']);
    expect(progress.audit.map((e) => `${e.actor} ${e.action} ${e.target ?? ''} ${e.via}`.replace(/ +/g, ' '))).toEqual([
      'ops-lead tune exclude-node macbook-air update',
      'ops-lead tune max-parallel 1 update',
      'ops-lead tune pause-after-wave 1 update',
      'ops-lead pause auto',
      'ops-lead resume signal',
    ]);
    // Nothing is left to tune in an ended run.
    expect((await cli('tune', run.runId, '--as', 'ops-lead', '--include-node', 'macbook-air')).code).toBe(3);
  });
});
