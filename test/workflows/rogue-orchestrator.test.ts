import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { EXIT } from '../../client/exit-codes';
import { maestroDataConverter } from '../../connection/codec';
import { signApproval } from '../../plan/approval-signature';
import type { SignedApproval } from '../../plan/signed-plan';
import { ORCHESTRATOR_TASK_QUEUE } from '../../plan/task-queues';
import { armor, parseSshsig } from '../../trust/sshsig';
import { serviceWorkflowId } from '../../workflows/ids';
import { bundleWorkflows } from '../../workers/orchestrator-worker';
import { maestro } from '../helpers/cli';
import { logLines, logStep, tempDir } from '../helpers/plans';
import { sshKeygen } from '../helpers/ssh-keys';
import { testIdentity } from '../helpers/test-identity';
import { useTestCluster } from '../helpers/test-cluster';
import { uniqueSuffix } from '../helpers/temporal-env';
import type { RogueActivities, RogueOutcome } from './rogue/rogue-orchestrator';

/**
 * A rogue worker polling the orchestrator queue cannot get a gated step run without the gate's
 * approvals. Real dev server, the real node workers (trusting the tester's key for plans and
 * approvals), a run started by the real `maestro run` — and no genuine orchestrator: the only
 * worker on the orchestrator queue is the rogue's, with its own workflow bundle
 * (rogue/rogue-orchestrator.ts) that skips the gate and schedules every service's steps through
 * the genuine service child, so the steps carry the run's genuine signed shares and come from the
 * workflow ids the nodes accept. Its own activity supplies the approvals: none, forged or replayed.
 */
const dir = tempDir('maestro-rogue-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mallory = sshKeygen(dir, 'mallory');

/** What the rogue attaches for a run, set by each test before it starts the run. */
const approvalsByRun = new Map<string, (runId: string, planHash: string) => SignedApproval[]>();
const rogueActivities: RogueActivities = {
  async approvalsFor(runId, planHash) {
    return approvalsByRun.get(runId)?.(runId, planHash) ?? [];
  },
};

let env: TestWorkflowEnvironment;
let rogue: Worker;
let rogueRunning: Promise<void>;
useTestCluster((started) => ({ env } = started), { cluster: { orchestrator: false } });
beforeAll(async () => {
  const dataConverter = maestroDataConverter();
  const workflowBundle = await bundleWorkflows({ workflowsPath: require.resolve('./rogue/rogue-orchestrator'), failureConverterPath: dataConverter.failureConverterPath });
  rogue = await Worker.create({ connection: env.nativeConnection, taskQueue: ORCHESTRATOR_TASK_QUEUE, workflowBundle, activities: rogueActivities, dataConverter, identity: 'rogue@elsewhere' });
  rogueRunning = rogue.run();
}, 120_000);
afterAll(async () => {
  rogue?.shutdown();
  await rogueRunning;
});

/** `first` (wave 1), a gate before wave 2 held by the tester's approval, then `second`, which would create `marker`. */
function gatedPlanFile(name: string) {
  const d = tempDir();
  const log = join(d, 'log');
  const marker = join(d, 'pwned');
  const file = join(d, 'plan.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      approvals: { gates: [{ beforeWave: 2, timeout: '1h' }] },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log) }] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'pwn', run: ['touch', marker] }] },
      },
    }),
  );
  return { file, log, marker };
}

/** Starts the run with the real CLI (signed with the tester's key); the rogue takes it from there. */
async function rogueRun(name: string, approvals?: (runId: string, planHash: string) => SignedApproval[]) {
  const f = gatedPlanFile(name);
  const runId = uniqueSuffix(name);
  if (approvals) approvalsByRun.set(runId, approvals);
  const started = await maestro(env.address, 'run', f.file, '--id', runId);
  expect({ code: started.code, err: started.err }).toEqual({ code: EXIT.ok, err: '' });
  const outcomes = (await env.client.workflow.getHandle(runId).result()) as RogueOutcome[];
  const history = await env.client.workflow.getHandle(serviceWorkflowId(runId, 'second')).fetchHistory();
  const events = history.events ?? [];
  const failures = events.flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes.failure?.applicationFailureInfo] : []));
  return { ...f, runId, outcomes, scheduled: events.filter((e) => e.activityTaskScheduledEventAttributes).length, failures };
}

const approvalBy = (seed: Parameters<typeof signApproval>[1], runId: string, planHash: string, gate = 'wave-2'): SignedApproval => {
  const signedAt = new Date().toISOString();
  return { gate, signedAt, signature: signApproval({ runId, planHash, action: 'approve', target: gate, at: signedAt }, seed) };
};

describe('a rogue orchestrator worker (real dev server, real CLI, ssh-keygen keys)', () => {
  it('without approvals: the ungated service runs, the gated one is refused by its node with UntrustedStep, once, and its command never runs', async () => {
    const r = await rogueRun('rogue-no-approval');
    // The rogue does reach the nodes: the service before the gate ran on macpro51.
    expect(r.outcomes[0]).toEqual({ service: 'first' });
    expect(logLines(r.log)).toEqual(['first x do macpro51']);
    expect(existsSync(r.marker)).toBe(false);
    expect(r.outcomes[1]?.service).toBe('second');
    expect(r.outcomes[1]?.error).toMatch(/ServiceFailed: second\/pwn failed: refused: gate wave-2 is not approved: it needs 1 approval key\(s\) this node trusts \(maestro-approval\), the step carries 0; the step carries no approval for it/);
    // The node's refusal, in the service child's history: UntrustedStep, non-retryable, one attempt.
    expect(r.scheduled).toBe(1);
    expect(r.failures).toEqual([expect.objectContaining({ type: 'UntrustedStep', nonRetryable: true })]);
  });

  it('with forged approvals (a key the node does not trust; the tester\'s key claimed over mallory\'s signature; the tester\'s genuine approval of another run): refused the same way', async () => {
    const r = await rogueRun('rogue-forged', (runId, planHash) => {
      const claimed = parseSshsig(approvalBy(mallory.signing, runId, planHash).signature);
      return [
        approvalBy(mallory.signing, runId, planHash),
        { ...approvalBy(mallory.signing, runId, planHash), signature: armor({ ...claimed, publicKey: testIdentity().operator.signing.publicKey }) },
        approvalBy(testIdentity().operator.signing, 'another-run', planHash),
      ];
    });
    expect(r.outcomes[0]).toEqual({ service: 'first' });
    expect(existsSync(r.marker)).toBe(false);
    expect(r.outcomes[1]?.error).toMatch(
      /ServiceFailed: second\/pwn failed: refused: gate wave-2 is not approved: .* the step carries 0; refused: approval by SHA256:\S+: key SHA256:\S+ is not in the trust file; an approval signature: signature does not match the signed content .*; an approval signature: signature does not match/,
    );
    expect(r.failures).toEqual([expect.objectContaining({ type: 'UntrustedStep', nonRetryable: true })]);
  });

  it('control: the same rogue with the tester\'s genuine approval of this run and gate gets the step run (the node checks approvals, not who schedules)', async () => {
    const r = await rogueRun('rogue-approved', (runId, planHash) => [approvalBy(testIdentity().operator.signing, runId, planHash)]);
    expect(r.outcomes).toEqual([{ service: 'first' }, { service: 'second' }]);
    expect(existsSync(r.marker)).toBe(true);
  });
});
