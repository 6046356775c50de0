import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EXIT } from '../../client/exit-codes';
import type { NormalizedPlan } from '../../plan/types';
import { maestro } from '../helpers/cli';
import { planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { StandIns, useStandInCluster } from '../helpers/stand-in-activities';
import { uniqueSuffix } from '../helpers/temporal-env';

// --auto-approve against each approval policy: honoured only where the starter alone may approve.
// Written first against the code before issue 12, where every one of these gates opened with
// approvals: [] and the run succeeded.
let env: TestWorkflowEnvironment;
const standIns = new StandIns();
useStandInCluster(standIns, (started) => (env = started));

type Policy = { approvers?: string[]; allowSelfApproval?: boolean; minApprovals?: number };

function gated(policy: Policy) {
  const { minApprovals, ...approvals } = policy;
  return {
    apiVersion: 'maestro/v1',
    name: 'auto-approve',
    defaults: { retry: { maxAttempts: 1 } },
    approvals: { ...approvals, gates: [{ beforeWave: 2, timeout: '24h', ...(minApprovals ? { minApprovals } : {}) }] },
    services: {
      first: { node: 'macpro51', steps: [{ name: 'x', run: ['x'], undo: ['undo-x'] }] },
      second: { node: 'mac-studio', dependsOn: ['first'], steps: [{ name: 'y', run: ['y'] }] },
    },
  };
}

async function autoApproved(policy: Policy, startedBy: string) {
  const plan: NormalizedPlan = planFrom(JSON.stringify(gated(policy)));
  const run = await startRun(env, plan, { id: uniqueSuffix('auto'), indexed: false, startedBy, autoApprove: true });
  return run.finished();
}

describe('--auto-approve in the workflow (stand-in activities)', () => {
  it('approves as the starter, recorded as an approval, where the plan allows it', async () => {
    const { outcome, progress } = await autoApproved({ approvers: ['ops-lead', 'dba'] }, 'ops-lead');
    expect(outcome.state).toBe('succeeded');
    expect(progress.gates[0]).toMatchObject({ state: 'approved', decidedBy: 'ops-lead', approvals: [expect.objectContaining({ approver: 'ops-lead', comment: '--auto-approve' })] });
  });

  it.each([
    ['a starter who is not an approver', { approvers: ['ops-lead', 'dba'] }, 'mallory', /mallory is not an approver \(approvals\.approvers: ops-lead, dba\)/],
    ['self-approval not allowed', { allowSelfApproval: false }, 'ops-lead', /does not allow self-approval/],
    ['two approvals needed', { minApprovals: 2 }, 'ops-lead', /needs 2 distinct approvers \(minApprovals: 2\); --auto-approve gives one/],
    ['all three (the issue\'s plan)', { approvers: ['ops-lead', 'dba'], allowSelfApproval: false, minApprovals: 2 }, 'mallory', /mallory is not an approver/],
  ])('%s: the refusal is recorded and the gate waits (here until it times out)', async (_what, policy, startedBy, reason) => {
    const { outcome, progress } = await autoApproved(policy, startedBy);
    expect(outcome.state).toBe('rolled-back');
    expect(progress.gates[0]).toMatchObject({ state: 'timed-out', approvals: [] });
    expect(progress.audit[0]).toMatchObject({ actor: startedBy, action: 'approve', via: 'auto', accepted: false, reason: expect.stringMatching(reason) });
  });
});

describe('maestro run --auto-approve', () => {
  it('refuses before connecting (exit 2) when the starter may not approve a gate alone, naming the rule', async () => {
    const file = join(tempDir(), 'plan.yaml');
    writeFileSync(file, JSON.stringify(gated({ approvers: ['ops-lead', 'dba'], allowSelfApproval: false, minApprovals: 2 })));
    // Nothing listens on port 1: a run that tried to start would end with exit 4, not 2.
    const { code, err } = await maestro('127.0.0.1:1', 'run', file, '--auto-approve', '--as', 'mallory');
    expect(code).toBe(EXIT.invalidInput);
    expect(err).toContain('--auto-approve: mallory may not approve this plan\'s gates alone: gate wave-2: mallory is not an approver (approvals.approvers: ops-lead, dba)');
    const selfFile = join(tempDir(), 'self.yaml');
    writeFileSync(selfFile, JSON.stringify(gated({ approvers: ['dba'], allowSelfApproval: false })));
    const self = await maestro('127.0.0.1:1', 'run', selfFile, '--auto-approve', '--as', 'dba');
    expect(self.code).toBe(EXIT.invalidInput);
    expect(self.err).toContain('gate wave-2: dba started this run and the plan does not allow self-approval (approvals.allowSelfApproval: false)');
  });

  it('a plan the starter may approve alone gets past the check (and then needs a server)', async () => {
    const file = join(tempDir(), 'plan.yaml');
    writeFileSync(file, JSON.stringify(gated({ approvers: ['ops-lead'] })));
    const { code } = await maestro('127.0.0.1:1', 'run', file, '--auto-approve', '--as', 'ops-lead');
    expect(code).toBe(EXIT.unreachable);
  }, 30_000);
});
