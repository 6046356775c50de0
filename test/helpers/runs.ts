import { ORCHESTRATOR_TASK_QUEUE } from '../../plan/task-queues';
import { signPlan } from '../../plan/sign-plan';
import type { ApproverKey, PlanSignature } from '../../plan/signed-plan';
import type { NormalizedPlan } from '../../plan/types';
import type { SigningKey } from '../../trust/sshsig';
import { testIdentity } from './test-identity';
import { awaitOutcome, type DeploymentHandle } from '../../client/run/handle';
import { readProgress } from '../../client/run/progress';
import type { deploymentWorkflow } from '../../workflows/deployment';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { RunOutcome, RunProgress } from '../../workflows/progress';
import { uniqueSuffix, type TemporalTarget } from './temporal-env';

export interface StartedRun {
  runId: string;
  handle: DeploymentHandle;
  /** Waits for the end; resolves with the outcome and the final progress. */
  finished(): Promise<{ outcome: RunOutcome; progress: RunProgress }>;
}

/** Starts a deployment run the way `maestro run` does, under a unique id. */
export async function startRun(
  env: Pick<TemporalTarget, 'client'>,
  plan: NormalizedPlan,
  options: {
    startedBy?: string;
    autoApprove?: boolean;
    id?: string;
    indexed?: boolean;
    /** Default: signed by the test identity for this run id, valid an hour. `false`: unsigned, as a raw `temporal workflow start`. */
    signing?: { key: SigningKey; ttlMs?: number; runId?: string; approvers?: ApproverKey[] } | false;
    /** A signature as is (tampering tests). */
    signature?: PlanSignature;
  } = {},
): Promise<StartedRun> {
  const runId = options.id ?? uniqueSuffix(plan.name);
  const signing = options.signing === false ? undefined : (options.signing ?? { key: testIdentity().operator.signing });
  const signature = options.signature ?? (signing && signPlan(plan, { runId: signing.runId ?? runId, key: signing.key, nowMs: Date.now(), ttlMs: signing.ttlMs ?? 3_600_000, approvers: signing.approvers, autoApprove: options.autoApprove }));
  const handle = await env.client.workflow.start<typeof deploymentWorkflow>('deploymentWorkflow', {
    workflowId: runId,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    args: [{ runId, plan, startedBy: options.startedBy ?? 'tester', autoApprove: options.autoApprove, ...(signature ? { signature } : {}) }],
    typedSearchAttributes: options.indexed === false ? [] : [
      { key: SEARCH_ATTRIBUTES.plan, value: plan.name },
      { key: SEARCH_ATTRIBUTES.state, value: 'running' },
    ],
  });
  return {
    runId,
    handle,
    async finished() {
      const outcome = await awaitOutcome(handle);
      return { outcome, progress: outcome.final?.progress ?? (await readProgress(env.client, handle)) };
    },
  };
}
