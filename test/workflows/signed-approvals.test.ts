import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EXIT } from '../../client/exit-codes';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { approveUpdate, progressQuery } from '../../workflows/messages';
import { APPROVAL_MAX_AGE_MS, APPROVAL_MAX_SKEW_MS, signApproval } from '../../plan/approval-signature';
import type { RunProgress } from '../../workflows/progress';
import { fingerprint } from '../../trust/ssh-keys';
import { maestro } from '../helpers/cli';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { signerLine, sshKeygen, writeTrustFile, type TestKey } from '../helpers/ssh-keys';
import { testIdentity, testStepTrust } from '../helpers/test-identity';
import { NAMESPACES } from '../../trust/allowed-signers';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

/**
 * Signed answers: the approver is the key, checked by the run's update validators against the
 * approval keys its signed plan carries. Real dev server, keys from ssh-keygen, the real CLI and
 * the real Temporal CLI.
 */
const dir = tempDir('maestro-approvers-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys: Record<'opsLead' | 'dba' | 'mallory', TestKey> = {
  opsLead: sshKeygen(dir, 'ops-lead'),
  dba: sshKeygen(dir, 'dba'),
  mallory: sshKeygen(dir, 'mallory'),
};
// The nodes check a gate's approvals too (node-gates.test.ts): they trust the same approval keys.
const nodeTrust = writeTrustFile(dir, [signerLine(testIdentity().operator, [NAMESPACES.plan, NAMESPACES.approval]), ...[keys.opsLead, keys.dba].map((k) => signerLine(k, [NAMESPACES.approval]))], 'node_signers');

let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started), { cluster: { trust: testStepTrust(nodeTrust) } });
const keyLine = (k: TestKey) => k.publicText.split(' ').slice(0, 2).join(' ');
/** The approval keys a signed plan carries: the tester (who signs plans), ops-lead and dba — not mallory. */
const approvers = () => [
  { name: 'tester', key: keyLine(testIdentity().operator) },
  { name: 'ops-lead', key: keyLine(keys.opsLead) },
  { name: 'dba', key: keyLine(keys.dba) },
];

function gatedPlan(name: string, log: string, approvals: Record<string, unknown> = {}) {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 1 } },
      approvals: { gates: [{ beforeWave: 2, timeout: '1h' }], ...approvals },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log) }] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'x', run: logStep(log) }] },
      },
    }),
  );
}

async function gatedRun(name: string, approvals?: Record<string, unknown>): Promise<{ run: StartedRun; log: string }> {
  const log = join(tempDir(), 'log');
  const run = await startRun(env, gatedPlan(name, log, approvals), { signing: { key: testIdentity().operator.signing, approvers: approvers() } });
  await waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');
  return { run, log };
}

const progress = (run: StartedRun): Promise<RunProgress> => run.handle.query(progressQuery);
const cli = (...args: string[]) => maestro(env.address, ...args);

describe('signed approvals (real dev server, ssh-keygen keys)', () => {
  it('an approval signed by a listed key opens the gate under the key’s name, recording its fingerprint', async () => {
    const { run, log } = await gatedRun('approve-signed');
    const approved = await cli('approve', run.runId, '--key', keys.opsLead.path, '--comment', 'go');
    expect(approved.code).toBe(EXIT.ok);
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toHaveLength(2);
    expect(final.gates[0]?.approvals).toEqual([expect.objectContaining({ approver: 'ops-lead', fingerprint: fingerprint(keys.opsLead.signing.publicKey) })]);
    expect(final.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'approve', accepted: true, fingerprint: fingerprint(keys.opsLead.signing.publicKey) })]);
  });

  it('a forged approval (--as ops-lead with dba’s key) and one by an unlisted key are refused; nothing changes', async () => {
    const { run, log } = await gatedRun('approve-forged');
    const forged = await cli('approve', run.runId, '--as', 'ops-lead', '--key', keys.dba.path);
    expect(forged.code).toBe(EXIT.refused);
    expect(forged.err).toMatch(/signed with dba's key \(SHA256:\S+\), not ops-lead's/);
    const stranger = await cli('approve', run.runId, '--key', keys.mallory.path);
    expect(stranger.code).toBe(EXIT.refused);
    expect(stranger.err).toMatch(/key SHA256:\S+ is not an approval key of this run's signed plan/);
    const p = await progress(run);
    expect(p.gates[0]).toMatchObject({ state: 'open', approvals: [] });
    expect(logLines(log)).toHaveLength(1);
    await run.handle.terminate('test done');
  });

  it('an unsigned approve signal from the Temporal CLI is recorded as refused and opens nothing', async () => {
    const { run, log } = await gatedRun('approve-unsigned-signal');
    await promisify(execFile)(resolveTemporalBinary('cli'), ['workflow', 'signal', '--address', env.address, '--workflow-id', run.runId, '--name', 'approve', '--input', '{"approver":"ops-lead","wave":2}']);
    const p = await waitFor('the refusal to be recorded', async () => {
      const now = await progress(run);
      return now.audit.length > 0 && now;
    });
    expect(p.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'approve', via: 'signal', accepted: false, reason: expect.stringMatching(/unsigned: this run accepts only answers signed by an approval key/) })]);
    expect(p.gates[0]).toMatchObject({ state: 'open', approvals: [] });
    expect(logLines(log)).toHaveLength(1);
    await run.handle.terminate('test done');
  });

  it('allowSelfApproval: false compares keys: the key that signed the plan cannot approve, whatever name it claims', async () => {
    const { run } = await gatedRun('approve-self', { allowSelfApproval: false });
    const self = await cli('approve', run.runId, '--key', testIdentity().operator.path);
    expect(self.code).toBe(EXIT.refused);
    expect(self.err).toMatch(/tester's key \(SHA256:\S+\) signed this run's plan and the plan does not allow self-approval/);
    expect((await progress(run)).gates[0]).toMatchObject({ state: 'open', approvals: [] });
    expect((await cli('approve', run.runId, '--key', keys.dba.path)).code).toBe(EXIT.ok);
    expect((await run.finished()).outcome.state).toBe('succeeded');
  });

  it('minApprovals counts distinct keys: one key approving twice counts once', async () => {
    const { run } = await gatedRun('approve-twice', { gates: [{ beforeWave: 2, timeout: '1h', minApprovals: 2 }] });
    expect((await cli('approve', run.runId, '--key', keys.opsLead.path)).code).toBe(EXIT.ok);
    const again = await cli('approve', run.runId, '--key', keys.opsLead.path);
    expect(again.code).toBe(EXIT.refused);
    expect(again.err).toMatch(/ops-lead already approved gate wave-2 with key SHA256:\S+; it needs 2 distinct approvers/);
    expect((await progress(run)).gates[0]).toMatchObject({ state: 'open', approvals: [expect.objectContaining({ approver: 'ops-lead' })] });
    expect((await cli('approve', run.runId, '--key', keys.dba.path)).code).toBe(EXIT.ok);
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(final.gates[0]?.approvals.map((a) => a.approver)).toEqual(['ops-lead', 'dba']);
  });

  it('a signed approval too old or from the future is refused (10 minutes back, 5 minutes ahead); a fresh one is taken', async () => {
    const { run, log } = await gatedRun('approve-age');
    const planHash = (await progress(run)).signed!.planHash;
    const send = (offsetMs: number) => {
      const signedAt = new Date(Date.now() + offsetMs).toISOString();
      const signature = signApproval({ runId: run.runId, planHash, action: 'approve', target: 'wave-2', at: signedAt }, keys.opsLead.signing);
      // The refusal's reason is the update failure's cause.
      return run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', signature, signedAt }] }).then(
        () => 'accepted',
        (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
      );
    };
    expect(await send(-(APPROVAL_MAX_AGE_MS + 60_000))).toMatch(/approve wave-2 by ops-lead refused: signed at \S+, more than 10 minutes before the run received it/);
    expect(await send(APPROVAL_MAX_SKEW_MS + 60_000)).toMatch(/approve wave-2 by ops-lead refused: signed at \S+, more than 5 minutes after the run's time/);
    expect((await progress(run)).gates[0]).toMatchObject({ state: 'open', approvals: [] });
    expect(logLines(log)).toHaveLength(1);
    // Within the window (a minute old): taken.
    expect(await send(-60_000)).toBe('accepted');
    expect((await run.finished()).outcome.state).toBe('succeeded');
  });

  it('abort is signed too: an unsigned abort signal from the Temporal CLI is refused and recorded, `maestro abort` with an approval key stops the run', async () => {
    const { run, log } = await gatedRun('abort-signed');
    await promisify(execFile)(resolveTemporalBinary('cli'), ['workflow', 'signal', '--address', env.address, '--workflow-id', run.runId, '--name', 'abort', '--input', '{"rollback":true,"by":"ops-lead"}']);
    const refused = await waitFor('the refusal to be recorded', async () => (await progress(run)).audit.find((e) => e.action === 'abort'));
    expect(refused).toMatchObject({ actor: 'ops-lead', via: 'signal', accepted: false, reason: expect.stringMatching(/abort rollback by ops-lead refused: unsigned/) });
    expect((await progress(run)).state).toBe('awaiting-approval');
    // Signed, but the name is not the key's: refused the same way.
    expect((await cli('abort', run.runId, '--as', 'ops-lead', '--key', keys.dba.path)).code).toBe(EXIT.ok);
    await waitFor('the second refusal', async () => (await progress(run)).audit.filter((e) => e.action === 'abort').length === 2);
    expect((await progress(run)).audit.filter((e) => e.action === 'abort').map((e) => e.accepted)).toEqual([false, false]);
    const aborted = await cli('abort', run.runId, '--key', keys.opsLead.path, '--reason', 'stop');
    expect({ code: aborted.code, err: aborted.err }).toEqual({ code: EXIT.ok, err: '' });
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('aborted');
    expect(logLines(log)).toHaveLength(1);
    expect(final.audit.filter((e) => e.action === 'abort').at(-1)).toMatchObject({ actor: 'ops-lead', accepted: true, fingerprint: fingerprint(keys.opsLead.signing.publicKey) });
  });

  it('reject and decide are signed the same way; an unsigned reject signal is refused', async () => {
    const { run } = await gatedRun('reject-signed');
    await promisify(execFile)(resolveTemporalBinary('cli'), ['workflow', 'signal', '--address', env.address, '--workflow-id', run.runId, '--name', 'reject', '--input', '{"approver":"dba","reason":"no"}']);
    await waitFor('the refusal to be recorded', async () => (await progress(run)).audit.some((e) => !e.accepted));
    expect((await progress(run)).gates[0]?.state).toBe('open');
    const rejected = await cli('reject', run.runId, '--key', keys.dba.path, '--reason', 'not now');
    expect(rejected.code).toBe(EXIT.ok);
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('rolled-back');
    expect(final.gates[0]).toMatchObject({ state: 'rejected', decidedBy: 'dba' });
  });
});
