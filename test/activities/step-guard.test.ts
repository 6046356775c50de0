import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { FAILURE_TYPES, type RunBackgroundCheckInput, type RunCheckInput, type RunCommandInput } from '../../activities';
import { signPlan } from '../../plan/sign-plan';
import { signedServices } from '../../plan/signed-plan';
import { workflowRunsService } from '../../plan/run-binding';
import { NAMESPACES } from '../../trust/allowed-signers';
import { serviceUndoWorkflowId, serviceWorkflowId } from '../../workflows/ids';
import { WatchedTrustFile } from '../../workers/trust-file';
import { failureOf, harness, scratchDir } from '../fixtures/activity-harness';
import { planFrom } from '../helpers/plans';
import { signerLine, sshKeygen, writeTrustFile } from '../helpers/ssh-keys';
import { waitFor } from '../helpers/wait-for';

/** Node-side checks with real commands and real ssh-keygen keys; the cluster tier is test/workflows/signed-plans.test.ts. */
let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.remove());

const RUN = 'guarded-run';

function setup() {
  const operator = sshKeygen(scratch.dir, 'ops');
  const trustFile = writeTrustFile(scratch.dir, [signerLine(operator, [NAMESPACES.plan])]);
  const trust = new WatchedTrustFile(trustFile, pino({ level: 'silent' }));
  const signedMarker = join(scratch.dir, 'signed-ran');
  const plan = planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name: 'guarded',
      services: {
        api: {
          node: 'macpro51',
          steps: [
            { name: 'migrate', run: ['touch', signedMarker], undo: ['rm', '-f', signedMarker], env: { MODE: 'signed' } },
            { name: 'health', check: { tcp: '127.0.0.1:9', failures: 1, timeout: '1s' } },
          ],
          analysis: [{ name: 'watch', tcp: '127.0.0.1:9', failures: 1, interval: '100ms' }],
        },
      },
    }),
    scratch.dir,
  );
  const signature = signPlan(plan, { runId: RUN, key: operator.signing, nowMs: Date.now(), ttlMs: 60_000 });
  const signed = signedServices(plan, signature).get('api')!;
  const context = { plan: 'guarded', runId: RUN, service: 'api', step: 'migrate', phase: 'do' as const, idempotencyKey: `${RUN}/api/migrate` };
  const h = harness({ trust: trust.asStepTrust() }, { workflowExecution: { workflowId: serviceWorkflowId(RUN, 'api'), runId: 'r' } });
  return { operator, trustFile, trust, signedMarker, signed, context, h };
}

describe('the node takes what it runs from the signed plan', () => {
  test('the command, cwd and env come from the signed step; the unsigned arguments are ignored', async () => {
    const { signedMarker, signed, context, h } = setup();
    const unsignedMarker = join(scratch.dir, 'unsigned-ran');
    const input: RunCommandInput = { command: { shell: `touch ${unsignedMarker}` }, cwd: '/', env: { MODE: 'evil' }, timeoutMs: 1_000, context, signed };
    const result = await h.runCommand(input);
    expect(result.exitCode).toBe(0);
    expect(existsSync(signedMarker)).toBe(true);
    expect(existsSync(unsignedMarker)).toBe(false);
    // The undo phase runs the signed undo.
    await h.runCommand({ ...input, context: { ...context, phase: 'undo' } });
    expect(existsSync(signedMarker)).toBe(false);
  });

  test('a check probes the signed target, not the argument', async () => {
    const { signed, context, h } = setup();
    const input: RunCheckInput = { check: { http: 'http://169.254.169.254/', status: 200, successes: 1, failures: 1, intervalMs: 0, timeoutMs: 1_000 }, context: { ...context, step: 'health' }, signed };
    const failure = await failureOf(h.runCheck(input));
    expect(failure.type).toBe(FAILURE_TYPES.checkFailed);
    expect(failure.message).toMatch(/127\.0\.0\.1:9|refused|ECONNREFUSED/i);
  });

  test('a background check probes the signed target, asked by the run itself; a service child may not ask', async () => {
    const { signed, context, trust } = setup();
    const input: RunBackgroundCheckInput = { check: { kind: 'http', http: 'http://169.254.169.254/', status: 200, successes: 1, failures: 1, intervalMs: 0, timeoutMs: 1_000 }, context: { ...context, step: 'watch' }, signed };
    const fromRun = harness({ trust: trust.asStepTrust() }, { workflowExecution: { workflowId: RUN, runId: 'r' } });
    const failed = await failureOf(fromRun.runBackgroundCheck(input));
    expect([failed.type, failed.nonRetryable]).toEqual([FAILURE_TYPES.checkFailed, true]);
    expect(failed.message).toMatch(/api\/watch \(background check\): .*(127\.0\.0\.1:9|refused|ECONNREFUSED)/i);
    const fromChild = harness({ trust: trust.asStepTrust() }, { workflowExecution: { workflowId: serviceWorkflowId(RUN, 'api'), runId: 'r' } });
    const refused = await failureOf(fromChild.runBackgroundCheck(input));
    expect([refused.type, refused.message]).toEqual([FAILURE_TYPES.untrustedStep, expect.stringMatching(/signed for run guarded-run, not for workflow guarded-run\/api/)]);
    const unknown = await failureOf(fromRun.runBackgroundCheck({ ...input, context: { ...context, step: 'health' } }));
    expect(unknown.message).toMatch(/no background check health in api/);
  });

  test('a step name the signed service does not have, or the wrong kind, is refused', async () => {
    const { signed, context, h } = setup();
    const base: RunCommandInput = { command: { shell: 'true' }, cwd: '/', env: {}, timeoutMs: 1_000, signed, context };
    const missing = await failureOf(h.runCommand({ ...base, context: { ...context, step: 'extra' } }));
    expect([missing.type, missing.nonRetryable, missing.message]).toEqual([FAILURE_TYPES.untrustedStep, true, expect.stringMatching(/no step extra in api/)]);
    const notCommand = await failureOf(h.runCommand({ ...base, context: { ...context, step: 'health' } }));
    expect(notCommand.message).toMatch(/signed step health has no run command/);
  });

  test('a malformed envelope is refused, not a crash that retries', async () => {
    const { context, h } = setup();
    const failure = await failureOf(h.runCommand({ command: { shell: 'true' }, cwd: '/', env: {}, timeoutMs: 1_000, context, signed: { plan: {} } as never }));
    expect([failure.type, failure.nonRetryable]).toEqual([FAILURE_TYPES.untrustedStep, true]);
  });

  test('a key removed from the trust file is refused for the next step, without a restart', async () => {
    const { trustFile, trust, signedMarker, signed, context, h } = setup();
    trust.watch();
    try {
      const input: RunCommandInput = { command: { shell: 'true' }, cwd: '/', env: {}, timeoutMs: 1_000, context, signed };
      await h.runCommand(input);
      expect(existsSync(signedMarker)).toBe(true);
      writeFileSync(trustFile, '# ops revoked\n');
      await waitFor('the trust file to be re-read', () => trust.current().signers.length === 0, 10_000);
      const failure = await failureOf(h.runCommand({ ...input, context: { ...context, phase: 'undo' } }));
      expect(failure.message).toMatch(/plan signer not trusted: key SHA256:\S+ is not in the trust file/);
      expect(existsSync(signedMarker)).toBe(true);
    } finally {
      trust.close();
    }
  });

  test('a trust file that stops parsing fails closed, naming the line', async () => {
    const { trustFile, trust, signed, context, h } = setup();
    writeFileSync(trustFile, 'ops namespaces="maestro-plan" ssh-ed25519\n');
    trust.reload();
    const failure = await failureOf(h.runCommand({ command: { shell: 'true' }, cwd: '/', env: {}, timeoutMs: 1_000, context, signed }));
    expect(failure.message).toMatch(/plan signer not trusted/);
    expect(trust.current().warnings[0]).toMatch(/allowed_signers:1: expected "principals \[options\] keytype key"/);
  });
});

test('workflowRunsService agrees with the workflow id builders', () => {
  expect(workflowRunsService(serviceWorkflowId('r/1', 'api'), 'r/1', 'api')).toBe(true);
  expect(workflowRunsService(serviceUndoWorkflowId('r/1', 'api'), 'r/1', 'api')).toBe(true);
  expect(workflowRunsService(serviceWorkflowId('r/2', 'api'), 'r/1', 'api')).toBe(false);
  expect(workflowRunsService(serviceWorkflowId('r', '1/api'), 'r/1', 'api')).toBe(true); // same id, same workflow: ids are unique per namespace
});
