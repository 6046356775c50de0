import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { maestroDataConverter } from '../../connection/codec';
import type { NormalizedPlan } from '../../plan/types';
import { notifyWorkflowId, serviceUndoWorkflowId, serviceWorkflowId } from '../../workflows/ids';
import { abortSignal, approveSignal, approveUpdate, decideUpdate, overrideFreezeUpdate, pauseSignal, progressQuery, resumeSignal, tuneUpdate } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { waitFor } from '../helpers/wait-for';
import { startRun, type StartedRun } from '../helpers/runs';
import { startDevServer } from '../helpers/temporal-env';
import { testIdentity } from '../helpers/test-identity';
import { signApproval } from '../../plan/approval-signature';
import { saveScenario, type SaveOptions } from './recorded';

/**
 * Records the histories that test/replay replays. Not part of the test suite; re-record after a
 * change of workflow code that is meant to be incompatible (a new released shape):
 *
 *   npx jest --testMatch '<rootDir>/test/histories/record.ts'
 *
 * then commit test/histories/*.json. Every change of workflow code that old runs may still see
 * goes behind `patched()` instead, and the old histories stay.
 */
let env: TestWorkflowEnvironment;
let cluster: TestCluster | undefined;
let tcp: Server;
let tcpPort: number;

beforeAll(async () => {
  env = await startDevServer({ dataConverter: maestroDataConverter({}) });
  tcp = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  tcpPort = (tcp.address() as { port: number }).port;
}, 120_000);

afterAll(async () => {
  await cluster?.shutdown();
  await env?.teardown();
  tcp?.close();
});

const plan = (name: string, body: Record<string, unknown>): NormalizedPlan =>
  planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name, defaults: { retry: { maxAttempts: 1 } }, ...body }));
const step = (log: string, name: string, then = 'true') => ({ name, run: logStep(log, then), undo: logStep(log) });

function childIds(progress: RunProgress): string[] {
  const ids = Object.values(progress.services)
    .filter((s) => s.startedAt)
    .map((s) => serviceWorkflowId(progress.runId, s.name));
  const undone = Object.values(progress.services).filter((s) => s.state === 'rolled-back' || s.state === 'rollback-failed');
  return [progress.runId, ...ids, ...undone.map((s) => serviceUndoWorkflowId(progress.runId, s.name))];
}

async function save(client: Client, run: StartedRun, scenario: string, description: string, payloadKey?: string, options: SaveOptions = {}) {
  const progress = await run.handle.query(progressQuery);
  const { file, written } = await saveScenario(client, { scenario, description, ...(payloadKey ? { payloadKey } : {}) }, childIds(progress), options);
  if (!written) console.log(`${file} exists and is kept (MAESTRO_RERECORD=1 overwrites it)`);
}

const rollbackPlan = (log: string) =>
  plan('rollback', {
    services: {
      a: { node: 'macpro51', steps: [step(log, 'one'), step(log, 'two')] },
      b: { node: 'macbook-air', dependsOn: ['a'], steps: [step(log, 'one'), step(log, 'breaks', 'exit 4')] },
    },
  });

describe('record replay histories', () => {
  beforeAll(async () => {
    cluster = await startCluster(env, { dataConverter: maestroDataConverter({}) });
  });

  it('success: run, check and wait steps over two waves', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('success', {
      services: {
        db: { node: 'macpro51', steps: [step(log, 'migrate'), { name: 'listening', check: { tcp: `127.0.0.1:${tcpPort}` } }, { name: 'bake', wait: '200ms' }] },
        api: { node: 'macbook-air', dependsOn: ['db'], steps: [step(log, 'deploy')] },
        web: { requires: { os: 'darwin' }, dependsOn: ['db'], steps: [step(log, 'deploy')] },
      },
    });
    const run = await startRun(env, p);
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'success', 'three services in two waves; run, check (tcp) and wait steps; succeeded');
  });

  // Recorded twice: node-down.json before the patch avoid-known-down-nodes (so it replays the
  // unpatched path) and node-down-remembered.json after it; saveScenario keeps the first.
  it.each([
    ['node-down', 'those routed to ghost first move on after nodeTimeout'],
    ['node-down-remembered', 'once a service found ghost down, the later ones try it last'],
  ])('%s: services routed to a node without a worker move to the next candidate', async (scenario, what) => {
    // `ghost` has no worker. Each service may run on either node; routing spreads them, so some prefer ghost.
    const log = join(tempDir(), 'log');
    const nodes = { ghost: { os: 'linux', arch: 'x64', roles: ['x'] }, macpro51: { os: 'darwin', arch: 'x64', roles: ['x'] } };
    const services = Object.fromEntries(['a', 'b', 'c', 'd'].map((name, i, all) => [name, { requires: { roles: ['x'] }, ...(i ? { dependsOn: [all[i - 1]] } : {}), steps: [step(log, 'one')] }]));
    const run = await startRun(env, plan('node-down', { nodes, strategy: { nodeTimeout: '1s' }, services }));
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, scenario, `a chain of four services that may run on ghost (no worker) or macpro51; ${what}`);
  });

  it('rollback: a failed step undoes its service, then the services before it', async () => {
    const run = await startRun(env, rollbackPlan(join(tempDir(), 'log')));
    expect((await run.finished()).outcome.state).toBe('rolled-back');
    await save(env.client, run, 'rollback', 'b fails at its second step: b undoes its first, then a is undone in an undo child');
  });

  it('approval: a refused signal, pause and resume, then an approval by update', async () => {
    const p = plan('approval', {
      approvals: { approvers: ['ops-lead', 'dba'], gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: { first: { node: 'macpro51', steps: [step(join(tempDir(), 'log'), 'x')] }, second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(join(tempDir(), 'log'), 'x')] } },
    });
    const run = await startRun(env, p);
    await waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');
    await run.handle.signal(approveSignal, { approver: 'intruder' });
    await run.handle.signal(pauseSignal, { by: 'ops-lead' });
    await run.handle.signal(resumeSignal, { by: 'ops-lead' });
    await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', wave: 2, comment: 'go' }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'approval', 'gate before wave 2: a refused approve signal, pause, resume, approved by update');
  });

  it('tune: a node excluded and max-parallel lowered while a gate holds wave 2', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('tune', {
      approvals: { approvers: ['ops-lead'], gates: [{ beforeWave: 2 }] },
      services: {
        a: { node: 'macpro51', steps: [step(log, 'x')] },
        b: { requires: { os: 'darwin' }, dependsOn: ['a'], steps: [step(log, 'x')] },
        c: { requires: { os: 'darwin' }, dependsOn: ['a'], steps: [step(log, 'x')] },
      },
    });
    const run = await startRun(env, p);
    await waitFor('the gate', async () => (await run.handle.query(progressQuery)).gates.some((g) => g.state === 'open'));
    await run.handle.executeUpdate(tuneUpdate, { args: [{ approver: 'ops-lead', excludeNode: 'mac-studio' }] });
    await run.handle.executeUpdate(tuneUpdate, { args: [{ approver: 'ops-lead', maxParallel: 1 }] });
    await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', wave: 2 }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'tune', 'live changes (patch live-tuning): mac-studio excluded and max-parallel 1 while the wave-2 gate is open; b and c run one after the other on macbook-air');
  });

  it('freeze override: a run held by a freeze, overridden by update, then its waves run', async () => {
    const now = Date.now();
    const p = plan('freeze-override', {
      freezes: [{ from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 48 * 3_600_000).toISOString(), reason: 'year-end' }],
      windows: ['Mon-Sun 00:00-24:00 UTC'],
      approvals: { approvers: ['ops-lead'] },
      services: { first: { node: 'macpro51', steps: [step(join(tempDir(), 'log'), 'x')] }, second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(join(tempDir(), 'log'), 'x')] } },
    });
    const run = await startRun(env, p);
    await waitFor('the freeze to hold the run', async () => (await run.handle.query(progressQuery)).windowWait?.kind === 'freeze');
    await run.handle.executeUpdate(overrideFreezeUpdate, { args: [{ approver: 'ops-lead', reason: 'hotfix' }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'freeze-override', 'a freeze holds wave 1 (patch deploy-windows); overridden by update with a reason; an always-open window');
  });

  it('signed live changes: a signed run held by a freeze; an unsigned tune refused and recorded, a signed tune and a signed override accepted', async () => {
    const operator = testIdentity().operator;
    const approverKeys = [{ name: 'tester', key: operator.publicText.split(' ').slice(0, 2).join(' ') }];
    const now = Date.now();
    const p = plan('signed-live-changes', {
      freezes: [{ from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 48 * 3_600_000).toISOString(), reason: 'year-end' }],
      services: { first: { node: 'macpro51', steps: [step(join(tempDir(), 'log'), 'x')] }, second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(join(tempDir(), 'log'), 'x')] } },
    });
    const run = await startRun(env, p, { signing: { key: operator.signing, approvers: approverKeys, ttlMs: 3_600_000 } });
    const held = await waitFor('the freeze to hold the run', async () => {
      const progress = await run.handle.query(progressQuery);
      return progress.windowWait?.kind === 'freeze' && progress;
    });
    await expect(run.handle.executeUpdate(tuneUpdate, { args: [{ approver: 'tester', maxParallel: 2 }] })).rejects.toThrow();
    const sign = (action: 'tune' | 'override-freeze', target: string) => {
      const signedAt = new Date().toISOString();
      return { signedAt, signature: signApproval({ runId: run.runId, planHash: held.signed!.planHash, action, target, at: signedAt }, operator.signing) };
    };
    await run.handle.executeUpdate(tuneUpdate, { args: [{ approver: 'tester', maxParallel: 1, ...sign('tune', 'max-parallel 1') }] });
    await run.handle.executeUpdate(overrideFreezeUpdate, { args: [{ approver: 'tester', reason: 'hotfix', ...sign('override-freeze', 'freeze "year-end"') }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'signed-live-changes', 'a signed run with approval keys held by a freeze (patch signed-live-changes): an unsigned tune update refused in its handler and recorded, then a signed tune (max-parallel 1) and a signed freeze override accepted');
  });

  it('signed approval: a signed run; an unsigned approve signal refused, then a signed approval by update', async () => {
    const operator = testIdentity().operator;
    const approverKeys = [{ name: 'tester', key: operator.publicText.split(' ').slice(0, 2).join(' ') }];
    const p = plan('signed-approval', {
      approvals: { gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: { first: { node: 'macpro51', steps: [step(join(tempDir(), 'log'), 'x')] }, second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(join(tempDir(), 'log'), 'x')] } },
    });
    const run = await startRun(env, p, { signing: { key: operator.signing, approvers: approverKeys, ttlMs: 3_600_000 } });
    const open = await waitFor('the gate to open', async () => {
      const progress = await run.handle.query(progressQuery);
      return progress.gates[0]?.state === 'open' && progress;
    });
    await run.handle.signal(approveSignal, { approver: 'tester', wave: 2 });
    const signedAt = new Date().toISOString();
    const signature = signApproval({ runId: run.runId, planHash: open.signed!.planHash, action: 'approve', target: 'wave-2', at: signedAt }, operator.signing);
    await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'tester', wave: 2, comment: 'go', signature, signedAt }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'signed-approval', 'a signed run (plan signature, service proofs on every step); an unsigned approve signal refused, then an approval signed by a key the plan lists');
  });

  it('signed gate approvals: the service behind the gate carries the signed approval to its node', async () => {
    const operator = testIdentity().operator;
    const approverKeys = [{ name: 'tester', key: operator.publicText.split(' ').slice(0, 2).join(' ') }];
    const log = join(tempDir(), 'log');
    const p = plan('signed-gate-approvals', {
      approvals: { gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: { first: { node: 'macpro51', steps: [step(log, 'x')] }, second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(log, 'x')] } },
    });
    const run = await startRun(env, p, { signing: { key: operator.signing, approvers: approverKeys, ttlMs: 3_600_000 } });
    const open = await waitFor('the gate to open', async () => {
      const progress = await run.handle.query(progressQuery);
      return progress.gates[0]?.state === 'open' && progress;
    });
    const signedAt = new Date().toISOString();
    const signature = signApproval({ runId: run.runId, planHash: open.signed!.planHash, action: 'approve', target: 'wave-2', at: signedAt }, operator.signing);
    await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'tester', wave: 2, signature, signedAt }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    expect(logLines(log)).toHaveLength(2);
    await save(env.client, run, 'signed-gate-approvals', "a signed run with approval keys: a signed approval by update; second's child input carries it (signed.approvals) and its node checks it before running");
  });

  it('signed abort: an unsigned abort signal refused, then a signed one rolls the run back', async () => {
    const operator = testIdentity().operator;
    const approverKeys = [{ name: 'tester', key: operator.publicText.split(' ').slice(0, 2).join(' ') }];
    const log = join(tempDir(), 'log');
    const p = plan('signed-abort', {
      approvals: { gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: { first: { node: 'macpro51', steps: [step(log, 'x')] }, second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(log, 'x')] } },
    });
    const run = await startRun(env, p, { signing: { key: operator.signing, approvers: approverKeys, ttlMs: 3_600_000 } });
    const open = await waitFor('the gate to open', async () => {
      const progress = await run.handle.query(progressQuery);
      return progress.gates[0]?.state === 'open' && progress;
    });
    await run.handle.signal(abortSignal, { rollback: true, by: 'tester', reason: 'unsigned' });
    await waitFor('the refusal', async () => (await run.handle.query(progressQuery)).audit.some((e) => e.action === 'abort' && !e.accepted));
    const signedAt = new Date().toISOString();
    const signature = signApproval({ runId: run.runId, planHash: open.signed!.planHash, action: 'abort', target: 'rollback', at: signedAt }, operator.signing);
    await run.handle.signal(abortSignal, { rollback: true, by: 'tester', reason: 'signed', signature, signedAt });
    expect((await run.finished()).outcome.state).toBe('aborted');
    await save(env.client, run, 'signed-abort', 'a signed run with approval keys (patch signed-abort): an unsigned abort signal refused and recorded, then a signed abort; first is undone');
  });

  it('pause on failure: the operator decides to retry', async () => {
    const dir = tempDir();
    const fixed = join(dir, 'fixed');
    const p = plan('pause-decision', {
      strategy: { onFailure: 'pause' },
      approvals: { approvers: ['ops-lead'] },
      services: {
        flaky: { node: 'macpro51', steps: [step(join(dir, 'log'), 'migrate', `[ -e '${fixed}' ]`)] },
        steady: { node: 'macbook-air', steps: [step(join(dir, 'log'), 'x')] },
        after: { node: 'mac-studio', dependsOn: ['flaky'], steps: [step(join(dir, 'log'), 'x')] },
      },
    });
    const run = await startRun(env, p);
    await waitFor('a pending decision', async () => (await run.handle.query(progressQuery)).pendingDecision);
    writeFileSync(fixed, '');
    await run.handle.executeUpdate(decideUpdate, { args: [{ action: 'retry', approver: 'ops-lead', comment: 'fixed the disk' }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'pause-decision', 'onFailure pause: flaky fails, the run waits, ops-lead decides retry by update, flaky runs again and succeeds, then after runs');
  });

  it('encrypted rollback: payloads and failure messages sealed with a throwaway key', async () => {
    await cluster?.shutdown();
    const payloadKey = randomBytes(32).toString('base64');
    const dataConverter = maestroDataConverter({ MAESTRO_PAYLOAD_KEY: payloadKey });
    cluster = await startCluster(env, { dataConverter });
    const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter });
    const run = await startRun({ client }, rollbackPlan(join(tempDir(), 'log')));
    expect((await run.finished()).outcome.state).toBe('rolled-back');
    await save(client, run, 'encrypted-rollback', 'the rollback scenario with MAESTRO_PAYLOAD_KEY set (key recorded here: test only)', payloadKey);
  });

  it('paths of issue 12: the workers go back to the plain data converter', async () => {
    await cluster?.shutdown();
    cluster = await startCluster(env, { dataConverter: maestroDataConverter({}) });
  });

  it('rollback-incomplete: an undo fails inside the failing service', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('rollback-incomplete', { services: { b: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: logStep(log, 'exit 4') }, step(log, 'y', 'exit 4')] } } });
    const run = await startRun(env, p);
    expect((await run.finished()).outcome.state).toBe('rollback-incomplete');
    await save(env.client, run, 'rollback-incomplete', 'b: x succeeds, y fails, the undo of x exits 4: rollbackFailures names b/x');
  });

  it('abort: a cancelled service reports the step that ran and undoes it', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('abort', { services: { a: { node: 'macpro51', steps: [step(log, 'one'), { name: 'two', run: logStep(log, 'sleep 60') }] } } });
    const run = await startRun(env, p);
    await waitFor('a/two to run', () => logLines(log).includes('a two do macpro51'));
    await run.handle.signal(abortSignal, { by: 'ops-lead' });
    expect((await run.finished()).outcome.state).toBe('aborted');
    await save(env.client, run, 'abort', 'abort while a/two runs: the child is cancelled, undoes a/one and reports its steps');
  });

  it('continue: the failed service\'s dependents are skipped, the rest runs', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('continue', {
      strategy: { onFailure: 'continue' },
      services: { a: { node: 'macpro51', steps: [step(log, 'x', 'exit 4')] }, b: { node: 'macbook-air', dependsOn: ['a'], steps: [step(log, 'x')] }, c: { node: 'mac-studio', steps: [step(log, 'x')] } },
    });
    const run = await startRun(env, p);
    expect((await run.finished()).outcome.state).toBe('failed');
    await save(env.client, run, 'continue', 'onFailure continue: a fails, b (depends on a) is skipped, c succeeds');
  });

  it('decide skip: the operator skips the failed service', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('decide-skip', {
      strategy: { onFailure: 'pause' },
      approvals: { approvers: ['ops-lead'] },
      services: { flaky: { node: 'macpro51', steps: [step(log, 'x', 'exit 4')] }, after: { node: 'mac-studio', dependsOn: ['flaky'], steps: [step(log, 'x')] } },
    });
    const run = await startRun(env, p);
    await waitFor('a pending decision', async () => (await run.handle.query(progressQuery)).pendingDecision);
    await run.handle.executeUpdate(decideUpdate, { args: [{ action: 'skip', approver: 'ops-lead' }] });
    expect((await run.finished()).outcome.state).toBe('failed');
    await save(env.client, run, 'decide-skip', 'onFailure pause: flaky fails, ops-lead decides skip by update, after is skipped');
  });

  it.each([
    ['auto-approve', { approvers: ['tester'] }, 'succeeded', 'the starter may approve alone: the gate is approved at once'],
    ['auto-approve-refused', { approvers: ['ops-lead'] }, 'rolled-back', 'the starter is not an approver: the refusal is recorded, the gate times out after 1s (onTimeout reject), wave 1 is undone'],
  ])('%s', async (scenario, approvals, end, what) => {
    const log = join(tempDir(), 'log');
    const p = plan(scenario, {
      approvals: { ...approvals, gates: [{ beforeWave: 2, timeout: '1s' }] },
      services: { first: { node: 'macpro51', steps: [step(log, 'x')] }, second: { node: 'mac-studio', dependsOn: ['first'], steps: [step(log, 'x')] } },
    });
    const run = await startRun(env, p, { autoApprove: true });
    expect((await run.finished()).outcome.state).toBe(end);
    await save(env.client, run, scenario, `--auto-approve by tester; ${what}`);
  });

  it('notify: webhooks told of a gate, a rollback and its end', async () => {
    const received: string[] = [];
    const receiver = createHttpServer((req, res) => {
      received.push(String(req.headers['x-maestro-event']));
      req.resume().on('end', () => res.end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    try {
      const log = join(tempDir(), 'log');
      const p = plan('notify', {
        notify: { webhooks: [{ webhook: url }, { webhook: url, format: 'slack', on: ['gate-opened'] }] },
        approvals: { gates: [{ beforeWave: 2 }] },
        services: { first: { node: 'macpro51', steps: [step(log, 'x')] }, second: { node: 'mac-studio', dependsOn: ['first'], steps: [step(log, 'x', 'exit 4')] } },
      });
      const run = await startRun(env, p);
      await waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');
      await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', wave: 2 }] });
      expect((await run.finished()).outcome.state).toBe('rolled-back');
      const execution = (await run.handle.describe()).runId;
      const notified = ['gate-opened', 'rollback-started', 'rollback-finished'].map((event, i) => notifyWorkflowId(run.runId, execution, i + 1, event));
      for (const id of notified) await env.client.workflow.getHandle(id).result();
      expect(received.sort()).toEqual(['gate-opened', 'gate-opened', 'rollback-finished', 'rollback-started']);
      const progress = await run.handle.query(progressQuery);
      const { file, written } = await saveScenario(
        env.client,
        { scenario: 'notify', description: 'notify: two webhooks; gate-opened (both), approved, second fails: rollback-started, rollback-finished (the first webhook)' },
        [...childIds(progress), ...notified],
      );
      if (!written) console.log(`${file} exists and is kept (MAESTRO_RERECORD=1 overwrites it)`);
    } finally {
      receiver.close();
    }
  });

  it('inconclusive-pause: a metric check with an empty result waits for a decision; rollback decided', async () => {
    // Prometheus's answer to a query with no series: the check's only input here.
    const prometheus = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}'));
    await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
    try {
      const log = join(tempDir(), 'log');
      const url = `http://127.0.0.1:${(prometheus.address() as { port: number }).port}`;
      const p = plan('inconclusive-pause', {
        approvals: { approvers: ['ops-lead'] },
        services: {
          api: { node: 'macpro51', steps: [step(log, 'deploy'), { name: 'analysis', check: { prometheus: { url, query: 'app_error_ratio', failureCondition: '> 0.05' }, interval: '100ms', failures: 2, timeout: '10s' } }] },
        },
      });
      const run = await startRun(env, p);
      await waitFor('a pending decision', async () => (await run.handle.query(progressQuery)).pendingDecision);
      await run.handle.executeUpdate(decideUpdate, { args: [{ action: 'rollback', approver: 'ops-lead' }] });
      expect((await run.finished()).outcome.state).toBe('rolled-back');
      await save(env.client, run, 'inconclusive-pause', 'api: deploy, then a metric check whose query returns nothing (inconclusive: pause by default): the run waits, ops-lead decides rollback');
    } finally {
      prometheus.close();
    }
  });

  it('background-rollback: a background check on api fails while web (wave 2) runs; web cancelled, api undone', async () => {
    // A stand-in Prometheus answering one value the test sets: the background check's only input here.
    let ratio = '0.01';
    const prometheus = createHttpServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, ratio] }] } })),
    );
    await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
    try {
      const log = join(tempDir(), 'log');
      const url = `http://127.0.0.1:${(prometheus.address() as { port: number }).port}`;
      const p = plan('background-rollback', {
        services: {
          api: { node: 'macpro51', steps: [step(log, 'deploy')], analysis: [{ name: 'error-rate', prometheus: { url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' }, interval: '100ms', failures: 2 }] },
          web: { node: 'macpro51', dependsOn: ['api'], steps: [step(log, 'deploy'), step(log, 'soak', 'sleep 120')] },
        },
      });
      const run = await startRun(env, p);
      await waitFor('web in its soak step', async () => logLines(log).includes('web soak do macpro51'));
      ratio = '0.2';
      expect((await run.finished()).outcome.state).toBe('rolled-back');
      await save(env.client, run, 'background-rollback', 'api with a background check (patch background-checks); its error ratio rises while web soaks in wave 2: web cancelled and undoes its deploy, api undone');
    } finally {
      prometheus.close();
    }
  });

  const gated = (name: string, log: string) =>
    plan(name, {
      approvals: { approvers: ['ops-lead'], gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: { first: { node: 'macpro51', steps: [step(log, 'x')] }, second: { node: 'mac-studio', dependsOn: ['first'], steps: [step(log, 'x')] } },
    });
  const untilGateOpen = (run: StartedRun) => waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');

  it('malformed-pause: a pause signal with a malformed payload is refused, a good pause and resume obeyed', async () => {
    const run = await startRun(env, gated('malformed-pause', join(tempDir(), 'log')));
    await untilGateOpen(run);
    await run.handle.signal(pauseSignal, { by: 42 } as never);
    await run.handle.signal(resumeSignal, { by: 'ops-lead', extra: true } as never);
    await waitFor('both refusals', async () => (await run.handle.query(progressQuery)).audit.length >= 2);
    await run.handle.signal(pauseSignal, { by: 'ops-lead' });
    await run.handle.signal(resumeSignal, { by: 'ops-lead' });
    await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', wave: 2 }] });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await save(env.client, run, 'malformed-pause', 'gate before wave 2: pause { by: 42 } and resume with an unknown field refused (patch refuse-malformed-pause), then pause and resume obeyed, approved by update');
  });

  it('history-limit: a flood of 1.5 MB refused signals; the run stops and rolls back past 20 MiB', async () => {
    const run = await startRun(env, gated('history-limit', join(tempDir(), 'log')));
    await untilGateOpen(run);
    // Raw payloads past the client's codec, so each one is 1.5 MB in history (gzip keeps the file small).
    const big = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ approver: 'intruder', wave: 2, comment: 'x'.repeat(1_500_000) })) };
    for (let sent = 0; sent < 36; sent++) {
      if ((await run.handle.describe()).status.name !== 'RUNNING' || (await run.handle.query(progressQuery)).state !== 'awaiting-approval') break;
      await env.client.workflowService.signalWorkflowExecution({ namespace: env.namespace ?? 'default', workflowExecution: { workflowId: run.runId }, signalName: 'approve', input: { payloads: [big] }, identity: 'hostile' });
    }
    expect((await run.finished()).outcome.state).toBe('rolled-back');
    // Its history pages are larger than gRPC's 4 MiB default.
    const connection = await Connection.connect({ address: env.address, channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 } });
    const client = new Client({ connection, namespace: env.namespace ?? 'default', dataConverter: maestroDataConverter({}) });
    await save(client, run, 'history-limit', 'gate before wave 2 flooded with 1.5 MB refused approve signals: past 20 MiB of history the run stops and rolls back first (patch stop-before-history-limit)', undefined, { gzip: true });
    await connection.close();
  }, 180_000);

  it('busy-node: more services pinned to a node than it has slots, queued past nodeTimeout, wait instead of counting it down', async () => {
    // macpro51's worker has 8 slots (MAESTRO_NODE_SLOTS); 10 services hold one each for 2.5 s.
    const log = join(tempDir(), 'log');
    const services = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, { node: 'macpro51', steps: [step(log, 'x', 'sleep 2.5')] }]));
    const run = await startRun(env, plan('busy-node', { strategy: { mode: 'dag', maxParallel: 10, nodeTimeout: '1s' }, services }));
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(Object.values(progress.services).every((s) => s.nodesDown.length === 0)).toBe(true);
    await save(env.client, run, 'busy-node', '10 services pinned to macpro51 (8 slots), nodeTimeout 1s: the queued ones ask the node\'s liveness worker, which answers, and wait for a slot (patch busy-node-not-down)');
  }, 90_000);
});
