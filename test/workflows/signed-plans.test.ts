import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signPlan } from '../../plan/sign-plan';
import { ORCHESTRATOR_TASK_QUEUE } from '../../plan/task-queues';
import type { NormalizedPlan } from '../../plan/types';
import { fetchProgress } from '../../client/run/progress';
import { awaitOutcome } from '../../client/run/handle';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { sshKeygen } from '../helpers/ssh-keys';
import { testIdentity } from '../helpers/test-identity';
import { useTestCluster } from '../helpers/test-cluster';
import { uniqueSuffix } from '../helpers/temporal-env';

/**
 * The node is where authority is checked: only steps of a plan signed by a key its trust file
 * allows maestro-plan run, for the run they were signed for, before the signature expires, and
 * exactly as signed. Real dev server, real node workers, keys from ssh-keygen.
 */
let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started));

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A: logs and succeeds (with an undo); B: would create `marker` — it must never run when refused. */
function plan(name: string, marker: string, log: string): NormalizedPlan {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 3, initialInterval: '10ms' } },
      services: {
        a: { node: 'macpro51', steps: [{ name: 'prepare', run: logStep(log), undo: logStep(log) }] },
        b: { node: 'macbook-air', dependsOn: ['a'], steps: [{ name: 'pwn', run: ['touch', marker] }] },
      },
    }),
  );
}

function fixture(name: string) {
  const dir = tempDir();
  dirs.push(dir);
  const marker = join(dir, 'pwned');
  const log = join(dir, 'log');
  return { dir, marker, log, plan: plan(name, marker, log) };
}

describe('signed plans, verified on the node (real dev server, ssh-keygen keys)', () => {
  it('a signed run runs as signed', async () => {
    const f = fixture('signed-ok');
    const { outcome } = await (await startRun(env, f.plan)).finished();
    expect(outcome.state).toBe('succeeded');
    expect(existsSync(f.marker)).toBe(true);
  });

  it('an unsigned run: nothing runs, the run fails with the reason', async () => {
    const f = fixture('unsigned');
    const { outcome, progress } = await (await startRun(env, f.plan, { signing: false })).finished();
    expect(existsSync(f.marker)).toBe(false);
    expect(logLines(f.log)).toEqual([]);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.services.a?.steps[0]?.error).toMatch(/refused: the step is not signed/);
    expect(progress.services.a?.steps[0]?.attempts).toBe(1);
    expect(progress.failure).toMatch(/not signed/);
  });

  it('signed by a key the node does not trust: refused, naming the key', async () => {
    const f = fixture('unknown-key');
    const stranger = sshKeygen(f.dir, 'stranger');
    const { outcome, progress } = await (await startRun(env, f.plan, { signing: { key: stranger.signing } })).finished();
    expect(existsSync(f.marker)).toBe(false);
    expect(logLines(f.log)).toEqual([]);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.failure).toMatch(/plan signer not trusted: key SHA256:\S+ is not in the trust file/);
  });

  it('a plan tampered after signing, started raw with `temporal workflow start`: nothing runs', async () => {
    const f = fixture('tampered');
    const runId = uniqueSuffix('tampered');
    const signature = signPlan(f.plan, { runId, key: testIdentity().operator.signing, nowMs: Date.now(), ttlMs: 3_600_000 });
    // What was signed: b touches the marker in the fixture dir. What is started: b touches another file.
    const evil = join(f.dir, 'evil');
    const tampered: NormalizedPlan = JSON.parse(JSON.stringify(f.plan));
    const step = tampered.services[1]!.steps[0]!;
    if (step.kind !== 'run') throw new Error('b/pwn is a run step');
    step.run = { argv: ['touch', evil] };
    const input = JSON.stringify({ runId, plan: tampered, startedBy: 'mallory', signature });
    await promisify(execFile)(resolveTemporalBinary('cli'), ['workflow', 'start', '--address', env.address, '--type', 'deploymentWorkflow', '--task-queue', ORCHESTRATOR_TASK_QUEUE, '--workflow-id', runId, '--input', input]);
    const handle = env.client.workflow.getHandle(runId);
    const outcome = await awaitOutcome(handle as never);
    const progress = await fetchProgress(env.client, handle as never);
    expect(existsSync(evil)).toBe(false);
    expect(existsSync(f.marker)).toBe(false);
    // Each service's proof covers every other service, so one changed service stops them all.
    expect(logLines(f.log)).toEqual([]);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.failure).toMatch(/the plan differs from what was signed \(changed after signing; service a/);
  });

  it('a signature replayed under another run id: refused', async () => {
    const f = fixture('replayed');
    const { outcome, progress } = await (await startRun(env, f.plan, { signing: { key: testIdentity().operator.signing, runId: 'the-run-it-was-signed-for' } })).finished();
    expect(existsSync(f.marker)).toBe(false);
    expect(logLines(f.log)).toEqual([]);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.failure).toMatch(/the plan was signed for run the-run-it-was-signed-for, not for workflow /);
  });

  it('an expired signature: refused', async () => {
    const f = fixture('expired');
    const { outcome, progress } = await (await startRun(env, f.plan, { signing: { key: testIdentity().operator.signing, ttlMs: -1 } })).finished();
    expect(existsSync(f.marker)).toBe(false);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.failure).toMatch(/the plan signature expired at \d{4}-/);
  });
});
