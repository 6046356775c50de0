import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EXIT } from '../../client/exit-codes';
import type { VerifyReport } from '../../client/commands/verify';
import { signApproval } from '../../plan/approval-signature';
import { signPlan } from '../../plan/sign-plan';
import { NAMESPACES } from '../../trust/allowed-signers';
import { fingerprint } from '../../trust/ssh-keys';
import { approveSignal, progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { maestro } from '../helpers/cli';
import { logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { signerLine, sshKeygen, writeTrustFile, type TestKey } from '../helpers/ssh-keys';
import { testIdentity, testStepTrust } from '../helpers/test-identity';
import { useTestCluster } from '../helpers/test-cluster';
import { uniqueSuffix } from '../helpers/temporal-env';
import { waitFor } from '../helpers/wait-for';
import { DEFAULT_STALE_AFTER, describeQueue } from '../../client/run/pollers';
import { parseDuration } from '../../plan/durations';
import { nodeTaskQueue } from '../../plan/task-queues';

/**
 * `maestro verify <run id>`: every signature in a run's history re-checked against a trust file.
 * Real dev server, real node workers, runs started and answered with the real CLI, keys made by
 * ssh-keygen; a key removed from the trust file afterwards is reported revoked.
 */
const dir = tempDir('maestro-verify-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tester = testIdentity().operator;
const keys: Record<'opsLead' | 'mallory', TestKey> = { opsLead: sshKeygen(dir, 'ops-lead'), mallory: sshKeygen(dir, 'mallory') };
const trust = (name: string, lines: string[]) => writeTrustFile(dir, lines, name);
/** The operators' trust file: the tester may start runs and answer, ops-lead may answer. Nodes trust the same. */
const fullTrust = trust('allowed_signers', [signerLine(tester, [NAMESPACES.plan, NAMESPACES.approval]), signerLine(keys.opsLead, [NAMESPACES.approval])]);

let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started), { cluster: { trust: testStepTrust(fullTrust) } });
// `maestro run` warns (on stderr, which these tests expect empty) about a node whose worker the
// server has not yet seen poll: a first poll can arrive after the workers were created.
beforeAll(async () => {
  const staleAfterMs = parseDuration(DEFAULT_STALE_AFTER)!;
  await waitFor('the node workers to poll', async () => (await Promise.all(['macpro51', 'macbook-air'].map((n) => describeQueue(env.client, nodeTaskQueue(n), 'activity', staleAfterMs)))).every((q) => q.up), 60_000);
});

const planJson = (name: string) => {
  const log = join(tempDir(), 'log');
  return JSON.stringify({
    apiVersion: 'maestro/v1',
    name,
    approvals: { gates: [{ beforeWave: 2, timeout: '1h' }] },
    services: { a: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log) }] }, b: { node: 'macbook-air', dependsOn: ['a'], steps: [{ name: 'y', run: logStep(log) }] } },
  });
};

/** Starts a gated run with the real CLI, signed by the tester with fullTrust's approval keys; waits for its gate. */
async function gatedRun(name: string): Promise<string> {
  const file = join(tempDir(), 'plan.yaml');
  writeFileSync(file, planJson(name));
  const runId = uniqueSuffix(name);
  const started = await maestro(env.address, 'run', file, '--id', runId, '--trust', fullTrust);
  expect({ code: started.code, err: started.err }).toEqual({ code: EXIT.ok, err: '' });
  await waitFor('the gate to open', async () => (await progress(runId)).gates[0]?.state === 'open');
  return runId;
}

const progress = (runId: string): Promise<RunProgress> => env.client.workflow.getHandle(runId).query(progressQuery);
const verify = async (runId: string, trustFile: string) => {
  const text = await maestro(env.address, 'verify', runId, '--trust', trustFile);
  const json = await maestro(env.address, 'verify', runId, '--trust', trustFile, '--json');
  expect(json.code).toBe(text.code);
  return { ...text, report: JSON.parse(json.out) as VerifyReport };
};
const results = (r: VerifyReport) => r.signatures.map((s) => [s.what, s.via, s.signer, s.result]);

describe('maestro verify (real dev server, ssh-keygen keys)', () => {
  let approved: string;
  beforeAll(async () => {
    approved = await gatedRun('verify-approved');
    expect((await maestro(env.address, 'approve', approved, '--key', keys.opsLead.path)).code).toBe(EXIT.ok);
    await env.client.workflow.getHandle(approved).result();
  }, 60_000);

  it('a signed run approved with a signed answer: every signature ok against the trust file, exit 0, a table and JSON', async () => {
    const r = await verify(approved, fullTrust);
    expect({ code: r.code, err: r.err }).toEqual({ code: EXIT.ok, err: '' });
    expect(r.report.ok).toBe(true);
    expect(results(r.report)).toEqual([
      ['plan', 'start', 'tester', 'ok'],
      ['approve wave-2', 'update', 'ops-lead', 'ok'],
    ]);
    expect(r.report.signatures.map((s) => [s.fingerprint, s.namespace])).toEqual([
      [fingerprint(tester.signing.publicKey), NAMESPACES.plan],
      [fingerprint(keys.opsLead.signing.publicKey), NAMESPACES.approval],
    ]);
    expect(r.out.split('\n')[0]).toMatch(/^WHAT +VIA +SIGNER +KEY +NAMESPACE +SIGNED +RESULT$/);
    expect(r.out).toMatch(new RegExp(`approve wave-2 +update +ops-lead +${fingerprint(keys.opsLead.signing.publicKey).replace(/[+/]/g, '\\$&')} +maestro-approval +\\S+ \\S+ +ok`));
  });

  it('a key removed from the trust file afterwards is reported revoked, one allowed only another namespace as wrong namespace: exit 3 naming them', async () => {
    const withoutOpsLead = trust('revoked_ops_lead', [signerLine(tester, [NAMESPACES.plan, NAMESPACES.approval])]);
    const revoked = await verify(approved, withoutOpsLead);
    expect(revoked.code).toBe(EXIT.refused);
    expect(results(revoked.report)).toEqual([
      ['plan', 'start', 'tester', 'ok'],
      ['approve wave-2', 'update', 'ops-lead', 'revoked'],
    ]);
    expect(revoked.err).toMatch(/1 of 2 signatures of run verify-approved-\S+ do not verify against .*revoked_ops_lead: approve wave-2 revoked/);

    const planOnly = trust('ops_lead_plan_only', [signerLine(tester, [NAMESPACES.plan, NAMESPACES.approval]), signerLine(keys.opsLead, [NAMESPACES.plan])]);
    expect(results((await verify(approved, planOnly)).report)[1]).toEqual(['approve wave-2', 'update', 'ops-lead', 'wrong namespace']);

    // The plan signer removed: its own key, which the run took as an approval key, revoked too.
    const withoutTester = trust('revoked_tester', [signerLine(keys.opsLead, [NAMESPACES.approval])]);
    const noTester = await verify(approved, withoutTester);
    expect(noTester.code).toBe(EXIT.refused);
    expect(results(noTester.report)[0]).toEqual(['plan', 'start', 'tester', 'revoked']);
  });

  it('signals in the history: a key nobody listed is an unknown key, a signature over something else is bad; a signed abort is ok', async () => {
    const runId = await gatedRun('verify-hostile');
    const { planHash } = (await progress(runId)).signed!;
    const at = new Date().toISOString();
    const handle = env.client.workflow.getHandle(runId);
    await handle.signal(approveSignal, { approver: 'mallory', signedAt: at, signature: signApproval({ runId, planHash, action: 'approve', target: 'wave-2', at }, keys.mallory.signing) });
    // ops-lead's genuine signature, sent with another time than the one it covers.
    await handle.signal(approveSignal, { approver: 'ops-lead', signedAt: new Date(Date.parse(at) + 1000).toISOString(), signature: signApproval({ runId, planHash, action: 'approve', target: 'wave-2', at }, keys.opsLead.signing) });
    await waitFor('both refusals', async () => (await progress(runId)).audit.filter((e) => e.action === 'approve' && !e.accepted).length === 2);
    expect((await maestro(env.address, 'abort', runId, '--key', keys.opsLead.path, '--reason', 'verify test')).code).toBe(EXIT.ok);
    await handle.result().catch(() => undefined);

    const r = await verify(runId, fullTrust);
    expect(r.code).toBe(EXIT.refused);
    expect(results(r.report)).toEqual([
      ['plan', 'start', 'tester', 'ok'],
      ['approve wave-2', 'signal', 'mallory', 'unknown key'],
      ['approve wave-2', 'signal', 'ops-lead', 'bad signature'],
      ['abort rollback', 'signal', 'ops-lead', 'ok'],
    ]);
    expect(r.report.signatures[1]?.detail).toMatch(/key SHA256:\S+ is not in the trust file/);
    expect(r.report.signatures[2]?.detail).toMatch(/signature does not match the signed content/);
  });

  it('an unsigned run: the plan row is unsigned; a plan changed after signing, or a signature of another run id: bad signature; exit 3; an unknown run id is invalid input', async () => {
    const run = await startRun(env, planFrom(planJson('verify-unsigned')), { signing: false });
    const r = await verify(run.runId, fullTrust);
    expect(r.code).toBe(EXIT.refused);
    expect(results(r.report)).toEqual([['plan', 'start', 'tester', 'unsigned']]);
    await run.handle.terminate('test done');

    // What a raw `temporal workflow start` could do: a genuine signature with a changed plan, or another run's.
    const signedPlan = planFrom(planJson('verify-tampered'));
    const tamperedId = uniqueSuffix('verify-tampered');
    const signature = signPlan(signedPlan, { runId: tamperedId, key: tester.signing, nowMs: Date.now(), ttlMs: 3_600_000 });
    const changed = { ...signedPlan, services: signedPlan.services.map((s) => (s.name === 'b' ? { ...s, node: 'mac-studio' } : s)) };
    const tampered = await startRun(env, changed, { id: tamperedId, signature });
    const replayed = await startRun(env, signedPlan, { signature });
    for (const [h, why] of [
      [tampered, /the run's plan is not the plan that was signed/],
      [replayed, /the plan was signed for run verify-tampered-\S+, not verify-/],
    ] as const) {
      const v = await verify(h.runId, fullTrust);
      expect(v.code).toBe(EXIT.refused);
      expect(results(v.report)).toEqual([['plan', 'start', 'tester', 'bad signature']]);
      expect(v.report.signatures[0]?.detail).toMatch(why);
      await h.handle.terminate('test done');
    }

    const unknown = await maestro(env.address, 'verify', 'no-such-run', '--trust', fullTrust);
    expect(unknown.code).toBe(EXIT.invalidInput);
    expect(unknown.err).toMatch(/no run with id "no-such-run"/);
  });
});
