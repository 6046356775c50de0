import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { VerifyReport } from '../../client/commands/verify';
import { EXIT } from '../../client/exit-codes';
import { NAMESPACES } from '../../trust/allowed-signers';
import { fingerprint } from '../../trust/ssh-keys';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { maestro } from '../helpers/cli';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { signerLine, sshKeygen, writeTrustFile, type TestKey } from '../helpers/ssh-keys';
import { testIdentity } from '../helpers/test-identity';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

/**
 * Live changes of a signed run (maestro tune, approve --freeze) are signed like its answers: an
 * SSHSIG (maestro-approval) by one of the approval keys its signed plan carries, over the change.
 * A refused one is recorded in the audit trail. Real dev server and node workers, ssh-keygen keys,
 * the real CLI and the real Temporal CLI.
 */
let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started));

const dir = tempDir('maestro-live-changes-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys: Record<'opsLead' | 'dba' | 'mallory', TestKey> = {
  opsLead: sshKeygen(dir, 'ops-lead'),
  dba: sshKeygen(dir, 'dba'),
  mallory: sshKeygen(dir, 'mallory'),
};
const keyLine = (k: TestKey) => k.publicText.split(' ').slice(0, 2).join(' ');
/** The tester signs plans; ops-lead and dba are approval keys; mallory is not. */
const signing = () => ({
  key: testIdentity().operator.signing,
  approvers: [
    { name: 'tester', key: keyLine(testIdentity().operator) },
    { name: 'ops-lead', key: keyLine(keys.opsLead) },
    { name: 'dba', key: keyLine(keys.dba) },
  ],
});
const fp = (k: TestKey) => fingerprint(k.signing.publicKey);

const cli = (...args: string[]) => maestro(env.address, ...args);

/** `maestro verify --json` against a trust file listing the tester and the two approval keys (not mallory): what, via, signer, result per signature. */
async function verified(runId: string): Promise<{ code: number; rows: string[][] }> {
  const trust = writeTrustFile(dir, [signerLine(testIdentity().operator, [NAMESPACES.plan, NAMESPACES.approval]), signerLine(keys.opsLead, [NAMESPACES.approval]), signerLine(keys.dba, [NAMESPACES.approval])], 'verify_signers');
  const r = await cli('verify', runId, '--trust', trust, '--json');
  return { code: r.code, rows: (JSON.parse(r.out) as VerifyReport).signatures.map((s) => [s.what, s.via, s.signer, s.result]) };
}
const progress = (run: StartedRun): Promise<RunProgress> => run.handle.query(progressQuery);

/** `temporal workflow update execute`, as someone with access to the server but no key would send it. */
async function rawUpdate(runId: string, name: string, input: unknown): Promise<{ ok: boolean; err: string }> {
  const args = ['workflow', 'update', 'execute', '--address', env.address, '--workflow-id', runId, '--name', name, '--input', JSON.stringify(input)];
  return promisify(execFile)(resolveTemporalBinary('cli'), args).then(
    () => ({ ok: true, err: '' }),
    (err: { stderr?: string; message: string }) => ({ ok: false, err: `${err.stderr ?? ''}${err.message}` }),
  );
}

describe('signed live changes (real dev server, ssh-keygen keys)', () => {
  let release: (() => void) | undefined;
  afterEach(() => release?.());

  it('tune: signed by an approval key it is accepted under the key’s name and fingerprint; unsigned or by an unknown key it is refused and recorded', async () => {
    const work = tempDir();
    const log = join(work, 'log');
    release = () => writeFileSync(join(work, 'release'), '');
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'tune-signed',
        defaults: { retry: { maxAttempts: 1 } },
        services: {
          a: { node: 'macbook-air', steps: [{ name: 'x', run: logStep(log, `while [ ! -e '${join(work, 'release')}' ]; do sleep 0.05; done`) }] },
          b: { node: 'macpro51', dependsOn: ['a'], steps: [{ name: 'x', run: logStep(log) }] },
        },
      }),
    );
    const run = await startRun(env, plan, { signing: signing() });
    await waitFor('a to run', async () => (await progress(run)).services.a?.state === 'running');

    const signed = await cli('tune', run.runId, '--key', keys.opsLead.path, '--max-parallel', '1', '--comment', 'slow down');
    expect(signed).toMatchObject({ code: EXIT.ok, out: expect.stringContaining('max-parallel 1') });

    const unsigned = await rawUpdate(run.runId, 'tune', { approver: 'ops-lead', maxParallel: 3 });
    expect(unsigned.ok).toBe(false);
    expect(unsigned.err).toMatch(/unsigned: this run accepts only answers signed by an approval key/);

    const stranger = await cli('tune', run.runId, '--key', keys.mallory.path, '--max-parallel', '4');
    expect(stranger.code).toBe(EXIT.refused);
    expect(stranger.err).toMatch(/key SHA256:\S+ is not an approval key of this run's signed plan/);

    const forged = await cli('tune', run.runId, '--as', 'ops-lead', '--key', keys.dba.path, '--max-parallel', '5');
    expect(forged.code).toBe(EXIT.refused);
    expect(forged.err).toMatch(/signed with dba's key \(SHA256:\S+\), not ops-lead's/);

    const p = await progress(run);
    expect(p.tuning?.maxParallel).toBe(1);
    expect(p.audit).toEqual([
      expect.objectContaining({ actor: 'ops-lead', action: 'tune', via: 'update', target: 'max-parallel 1', comment: 'slow down', accepted: true, fingerprint: fp(keys.opsLead) }),
      expect.objectContaining({ actor: 'ops-lead', action: 'tune', via: 'update', accepted: false, reason: expect.stringMatching(/refused: unsigned: .*\(maestro tune signs them\)/) }),
      expect.objectContaining({ actor: 'mallory', action: 'tune', via: 'update', accepted: false, reason: expect.stringMatching(/not an approval key/) }),
      expect.objectContaining({ actor: 'ops-lead', action: 'tune', via: 'update', accepted: false, reason: expect.stringMatching(/signed with dba's key/) }),
    ]);
    expect(p.audit.filter((e) => !e.accepted).every((e) => e.fingerprint === undefined)).toBe(true);

    release();
    const { outcome } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toHaveLength(2);

    // maestro verify lists every tune the history holds, signed or not (mallory's key is unknown: exit 3).
    expect(await verified(run.runId)).toEqual({
      code: EXIT.refused,
      rows: [
        ['plan', 'start', testIdentity().operator.name, 'ok'],
        ['tune max-parallel 1', 'update', 'ops-lead', 'ok'],
        ['tune max-parallel 3', 'update', 'ops-lead', 'unsigned'],
        ['tune max-parallel 4', 'update', 'mallory', 'unknown key'],
        ['tune max-parallel 5', 'update', 'dba', 'ok'],
      ],
    });
  });

  it('freeze override: unsigned (Temporal CLI) refused and recorded, the run still held; signed by an approval key it lets the waves start', async () => {
    const log = join(tempDir(), 'log');
    const now = Date.now();
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'freeze-signed',
        defaults: { retry: { maxAttempts: 1 } },
        freezes: [{ from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString(), reason: 'quarter close' }],
        services: {
          first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log) }] },
          second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'x', run: logStep(log) }] },
        },
      }),
    );
    const run = await startRun(env, plan, { signing: signing() });
    await waitFor('the freeze to hold wave 1', async () => (await progress(run)).windowWait?.kind === 'freeze');

    const unsigned = await rawUpdate(run.runId, 'overrideFreeze', { approver: 'ops-lead', reason: 'hotfix' });
    expect(unsigned.ok).toBe(false);
    expect(unsigned.err).toMatch(/unsigned: this run accepts only answers signed by an approval key/);
    const stranger = await cli('approve', run.runId, '--freeze', '--reason', 'hotfix', '--key', keys.mallory.path);
    expect(stranger.code).toBe(EXIT.refused);
    expect(stranger.err).toMatch(/is not an approval key of this run's signed plan/);
    const held = await progress(run);
    expect(held.windowWait).toMatchObject({ wave: 1, kind: 'freeze', reason: 'quarter close' });
    expect(logLines(log)).toHaveLength(0);

    const signed = await cli('approve', run.runId, '--freeze', '--reason', 'CVE hotfix', '--key', keys.dba.path);
    expect(signed).toMatchObject({ code: EXIT.ok, out: expect.stringContaining('freeze "quarter close" overridden by dba') });
    const { outcome, progress: final } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toHaveLength(2);
    expect(final.audit).toEqual([
      expect.objectContaining({ actor: 'ops-lead', action: 'override-freeze', via: 'update', accepted: false, reason: expect.stringMatching(/refused: unsigned: .*\(maestro approve --freeze signs them\)/) }),
      expect.objectContaining({ actor: 'mallory', action: 'override-freeze', via: 'update', accepted: false }),
      expect.objectContaining({ actor: 'dba', action: 'override-freeze', via: 'update', target: 'freeze "quarter close"', comment: 'CVE hotfix', accepted: true, fingerprint: fp(keys.dba) }),
    ]);
    expect((await verified(run.runId)).rows).toEqual([
      ['plan', 'start', testIdentity().operator.name, 'ok'],
      ['override-freeze freeze "quarter close"', 'update', 'ops-lead', 'unsigned'],
      ['override-freeze freeze "quarter close"', 'update', 'mallory', 'unknown key'],
      ['override-freeze freeze "quarter close"', 'update', 'dba', 'ok'],
    ]);
  });
});
