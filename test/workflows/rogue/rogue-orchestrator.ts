import { ParentClosePolicy, executeChild, proxyActivities } from '@temporalio/workflow';
import { parseStatement, signedServices, type SignedApproval } from '../../../plan/signed-plan';
import { ORCHESTRATOR_TASK_QUEUE } from '../../../plan/task-queues';
import { serviceWorkflowId } from '../../../workflows/ids';
import type { DeploymentInput } from '../../../workflows/run-book';
import type { serviceWorkflow } from '../../../workflows/service';

/**
 * A rogue orchestrator's workflow code, for rogue-orchestrator.test.ts: what someone with worker
 * access to the namespace would register on the orchestrator queue to take a real run's workflow
 * tasks. Its `deploymentWorkflow` ignores the plan's gates: it starts every service's genuine
 * `serviceWorkflow` child at once (so the steps come from the workflow ids a node accepts and
 * carry the run's genuine signed shares), each with whatever approvals its own activity made up.
 */
export { serviceWorkflow } from '../../../workflows/service';

export interface RogueActivities {
  /** The rogue worker's own activity: the approvals it attaches to every step (none, forged, replayed). */
  approvalsFor(runId: string, planHash: string): Promise<SignedApproval[]>;
}

export interface RogueOutcome {
  service: string;
  /** undefined: the service's steps ran. */
  error?: string;
}

const { approvalsFor } = proxyActivities<RogueActivities>({ startToCloseTimeout: '10s' });

/** Every message down a failure's cause chain. */
function causes(err: unknown): string {
  const out: string[] = [];
  for (let e = err as (Error & { type?: string }) | undefined; e; e = e.cause as Error | undefined) out.push(`${e.name}${e.type ? ` ${e.type}` : ''}: ${e.message}`);
  return out.join(' <- ');
}

export async function deploymentWorkflow(input: DeploymentInput): Promise<RogueOutcome[]> {
  if (!input.signature) throw new Error('the rogue wants a signed run');
  const shares = signedServices(input.plan, input.signature);
  const approvals = await approvalsFor(input.runId, parseStatement(input.signature.statement).planHash);
  const outcomes: RogueOutcome[] = [];
  for (const [i, service] of input.plan.services.entries()) {
    try {
      await executeChild<typeof serviceWorkflow>('serviceWorkflow', {
        workflowId: serviceWorkflowId(input.runId, service.name),
        taskQueue: ORCHESTRATOR_TASK_QUEUE,
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        args: [{ runId: input.runId, plan: input.plan.name, wave: i + 1, service, candidates: service.node ? [service.node] : [], nodeTimeoutMs: 30_000, signed: { ...shares.get(service.name)!, approvals } }],
      });
      outcomes.push({ service: service.name });
    } catch (err) {
      outcomes.push({ service: service.name, error: causes(err) });
    }
  }
  return outcomes;
}
