import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EXIT } from '../../client/exit-codes';
import { signApproval } from '../../plan/approval-signature';
import { signPlan } from '../../plan/sign-plan';
import { parseStatement, signedServices, type SignedApproval, type SignedService } from '../../plan/signed-plan';
import { ORCHESTRATOR_TASK_QUEUE } from '../../plan/task-queues';
import type { NormalizedPlan } from '../../plan/types';
import { NAMESPACES } from '../../trust/allowed-signers';
import { progressQuery } from '../../workflows/messages';
import type { serviceWorkflow } from '../../workflows/service';
import { maestro } from '../helpers/cli';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { signerLine, sshKeygen, writeTrustFile, type TestKey } from '../helpers/ssh-keys';
import { testIdentity, testStepTrust } from '../helpers/test-identity';
import { useTestCluster } from '../helpers/test-cluster';
import { uniqueSuffix } from '../helpers/temporal-env';
import { waitFor } from '../helpers/wait-for';

/**
 * The node checks a gate's approvals itself: a step behind a gate of a run whose signed plan lists
 * approval keys runs only with that gate's signed approvals, by keys the node's own trust file
 * allows maestro-approval. A rogue orchestrator — here a client starting the service child by hand
 * with the genuine signed share, the way modified workflow code would schedule it — cannot get a
 * gated step run. Real dev server, real node workers, keys from ssh-keygen.
 */
const dir = tempDir('maestro-node-gates-');
const keys: Record<'opsLead' | 'mallory', TestKey> = { opsLead: sshKeygen(dir, 'ops-lead'), mallory: sshKeygen(dir, 'mallory') };
// The nodes trust the tester (plans and approvals) and ops-lead (approvals) — not mallory.
const nodeTrust = writeTrustFile(dir, [signerLine(testIdentity().operator, [NAMESPACES.plan, NAMESPACES.approval]), signerLine(keys.opsLead, [NAMESPACES.approval])], 'node_signers');
const keyLine = (k: TestKey) => k.publicText.split(' ').slice(0, 2).join(' ');
/** The approval keys the signed plans carry: the run checks answers against these, mallory included (a careless operator's trust file). */
const approvers = () => [
  { name: 'tester', key: keyLine(testIdentity().operator) },
  { name: 'ops-lead', key: keyLine(keys.opsLead) },
  { name: 'mallory', key: keyLine(keys.mallory) },
];

let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started), { cluster: { trust: testStepTrust(nodeTrust) } });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `first`, then a gate before wave 2, then `second`, which would create `marker`. */
function gatedPlan(name: string, log: string, marker: string, approvals: Record<string, unknown> = {}): NormalizedPlan {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 3, initialInterval: '10ms' } },
      approvals: { gates: [{ beforeWave: 2, timeout: '1h' }], ...approvals },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log) }] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'pwn', run: ['touch', marker] }] },
      },
    }),
  );
}

function fixture(name: string, approvals?: Record<string, unknown>) {
  const d = tempDir();
  const log = join(d, 'log');
  const marker = join(d, 'pwned');
  return { log, marker, plan: gatedPlan(name, log, marker, approvals) };
}

/**
 * The rogue orchestrator: the signed run is started for real and waits at its gate; then the
 * service child behind the gate is started by hand, with the genuine share and whatever approvals.
 */
async function skipTheGate(f: ReturnType<typeof fixture>, approvals: (runId: string, planHash: string) => SignedApproval[] = () => []) {
  const runId = uniqueSuffix(f.plan.name);
  const signature = signPlan(f.plan, { runId, key: testIdentity().operator.signing, nowMs: Date.now(), ttlMs: 3_600_000, approvers: approvers() });
  const run = await startRun(env, f.plan, { id: runId, signature });
  await waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');
  const share = signedServices(f.plan, signature).get('second')!;
  const signed: SignedService = { ...share, approvals: approvals(runId, parseStatement(signature.statement).planHash) };
  const child = await env.client.workflow.start<typeof serviceWorkflow>('serviceWorkflow', {
    workflowId: `${runId}/second`,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    args: [{ runId, plan: f.plan.name, wave: 2, service: f.plan.services[1]!, candidates: ['macbook-air'], nodeTimeoutMs: 30_000, signed }],
  });
  const error = await child.result().then(
    () => 'the child succeeded',
    (err: Error) => causes(err),
  );
  await run.handle.terminate('test done');
  return { error, run };
}

/** Every message down an error's cause chain, joined. */
function causes(err: unknown): string {
  const out: string[] = [];
  for (let e = err as Error | undefined; e; e = e.cause as Error | undefined) out.push(e.message);
  return out.join(' <- ');
}

const approval = (key: TestKey, runId: string, planHash: string, gate = 'wave-2'): SignedApproval => {
  const signedAt = new Date().toISOString();
  return { gate, signedAt, signature: signApproval({ runId, planHash, action: 'approve', target: gate, at: signedAt }, key.signing) };
};

describe('gates checked on the node (real dev server, ssh-keygen keys)', () => {
  it('a gate approved with a signed answer by a key the node trusts: the step behind it runs', async () => {
    const f = fixture('node-gate-approved');
    const run: StartedRun = await startRun(env, f.plan, { signing: { key: testIdentity().operator.signing, approvers: approvers() } });
    await waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');
    const approved = await maestro(env.address, 'approve', run.runId, '--key', keys.opsLead.path);
    expect({ code: approved.code, err: approved.err }).toEqual({ code: EXIT.ok, err: '' });
    expect((await run.finished()).outcome.state).toBe('succeeded');
    expect(existsSync(f.marker)).toBe(true);
  });

  it('the service child started by hand past an open gate, with no approval: nothing runs, UntrustedStep says why', async () => {
    const f = fixture('node-gate-skipped');
    const { error } = await skipTheGate(f);
    expect(existsSync(f.marker)).toBe(false);
    expect(error).toMatch(/refused: gate wave-2 is not approved: it needs 1 approval key\(s\) this node trusts \(maestro-approval\), the step carries 0; the step carries no approval for it/);
  });

  it('forged approvals are refused on the node: a key the node does not trust, another run, another gate', async () => {
    const f = fixture('node-gate-forged');
    const { error } = await skipTheGate(f, (runId, planHash) => [
      // mallory is an approval key of the run (so the workflow would have taken it), not of the node.
      approval(keys.mallory, runId, planHash),
      // ops-lead's genuine approvals, for another run and for another gate.
      approval(keys.opsLead, 'another-run', planHash),
      { ...approval(keys.opsLead, runId, planHash, 'wave-3'), gate: 'wave-2' },
    ]);
    expect(existsSync(f.marker)).toBe(false);
    expect(error).toMatch(/gate wave-2 is not approved: .* the step carries 0; refused: approval by SHA256:\S+: key SHA256:\S+ is not in the trust file; an approval signature: .*; an approval signature: /);
  });

  it('self-approval and one key twice are refused on the node as in the workflow', async () => {
    const self = fixture('node-gate-self', { allowSelfApproval: false });
    const selfResult = await skipTheGate(self, (runId, planHash) => [approval(testIdentity().operator, runId, planHash)]);
    expect(existsSync(self.marker)).toBe(false);
    expect(selfResult.error).toMatch(/refused: approval by SHA256:\S+: tester's key signed the plan and the plan does not allow self-approval/);

    const twice = fixture('node-gate-twice', { gates: [{ beforeWave: 2, timeout: '1h', minApprovals: 2 }] });
    const twiceResult = await skipTheGate(twice, (runId, planHash) => [approval(keys.opsLead, runId, planHash), approval(keys.opsLead, runId, planHash)]);
    expect(existsSync(twice.marker)).toBe(false);
    expect(twiceResult.error).toMatch(/gate wave-2 is not approved: it needs 2 approval key\(s\) .* the step carries 1 \(ops-lead\)/);
  });

  it('--auto-approve counts only when it is signed: an auto-approve flag added to an unsigned input opens the workflow gate, not the node', async () => {
    const signedAuto = fixture('node-gate-auto');
    const ok = await startRun(env, signedAuto.plan, { autoApprove: true, startedBy: 'tester', signing: { key: testIdentity().operator.signing, approvers: approvers() } });
    expect((await ok.finished()).outcome.state).toBe('succeeded');
    expect(existsSync(signedAuto.marker)).toBe(true);

    const flipped = fixture('node-gate-auto-flipped');
    const runId = uniqueSuffix(flipped.plan.name);
    // Signed without --auto-approve; started with autoApprove: true in the (unsigned) input.
    const signature = signPlan(flipped.plan, { runId, key: testIdentity().operator.signing, nowMs: Date.now(), ttlMs: 3_600_000, approvers: approvers() });
    const run = await startRun(env, flipped.plan, { id: runId, signature, autoApprove: true, startedBy: 'tester' });
    const { outcome, progress } = await run.finished();
    expect(existsSync(flipped.marker)).toBe(false);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.gates[0]?.state).toBe('approved');
    expect(progress.failure).toMatch(/gate wave-2 is not approved/);
    expect(logLines(flipped.log)).toHaveLength(1);
  });

  it('onTimeout: approve opens the gate on the node once the timeout has passed since the plan was signed', async () => {
    const f = fixture('node-gate-timeout', { gates: [{ beforeWave: 2, timeout: '2s', onTimeout: 'approve' }] });
    const run = await startRun(env, f.plan, { signing: { key: testIdentity().operator.signing, approvers: approvers() } });
    const { outcome, progress } = await run.finished();
    expect(progress.gates[0]?.state).toBe('timed-out');
    expect(outcome.state).toBe('succeeded');
    expect(existsSync(f.marker)).toBe(true);
  });
});
