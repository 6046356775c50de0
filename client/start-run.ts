import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ORCHESTRATOR_TASK_QUEUE } from '../plan/task-queues';
import { runIdProblem } from '../plan/limits';
import { signPlan } from '../plan/sign-plan';
import { parseStatement, type ApproverKey, type PlanSignature } from '../plan/signed-plan';
import { fingerprint } from '../trust/ssh-keys';
import type { NormalizedPlan } from '../plan/types';
import type { SigningKey } from '../trust/sshsig';
import type { deploymentWorkflow } from '../workflows/deployment';
import { deploymentWorkflowId } from '../workflows/ids';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { InvalidInputError, RefusedError } from './errors';
import type { DeploymentHandle } from './run/handle';

/**
 * Temporal refuses a workflow start whose search attribute value is over 2 KiB
 * (`frontend.searchAttributesSizeOfValueLimit`); the service list of a plan of ~200 services or
 * more is, so such a run is started without `MaestroServices` rather than not at all.
 */
const MAX_SEARCH_ATTRIBUTE_BYTES = 2_000;

export interface StartRunOptions {
  /** Run id. Default: the plan name. */
  id?: string;
  /** Operator recorded as the starter. */
  startedBy: string;
  /** Approve every gate as `startedBy`. */
  autoApprove?: boolean;
  /** The run's one-line summary in the Web UI. Default: plan name, size, mode and onFailure. */
  summary?: string;
  /** The run's details in the Web UI (markdown). Default: the plan file and who started it. */
  details?: string;
  /**
   * Sign the plan for this run (nodes with a trust file run only signed steps). `ttlMs`: how long
   * the signature lets steps start, default DEFAULT_SIGNATURE_TTL_MS; `approvers`: the approval
   * keys the run checks approvals against.
   */
  signing?: { key: SigningKey; ttlMs?: number; approvers?: ApproverKey[] };
}

/** The run id a run of `plan` gets; a bad `--id` is invalid input (exit 2), checked before connecting. */
export function checkedRunId(plan: NormalizedPlan, id?: string): string {
  const runId = deploymentWorkflowId(plan.name, id);
  const problem = runIdProblem(runId);
  if (problem) throw new InvalidInputError(`--id: ${problem}`, 'A run id is a name: letters, digits, ".", "_" and "-" (no "/", which separates a run from its services).');
  return runId;
}

/** The Web UI's word on who signed the run (its details): the key's fingerprint and the expiry. */
function signedDetails(signing: StartRunOptions['signing'], signature: PlanSignature | undefined): string {
  if (!signing || !signature) return 'Unsigned: node workers with a trust file refuse its steps.';
  return `Signed by key ${fingerprint(signing.key.publicKey)} (maestro-plan), valid until ${parseStatement(signature.statement).expiresAt}.`;
}

/** How long a plan signature lets steps start: a week, beyond the longest gate timeouts in use. */
export const DEFAULT_SIGNATURE_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Starts a deployment run with its search attributes and UI summary. The run id is the
 * deployment's lock: starting a run whose id is still open is refused (exit 3).
 */
export async function startDeployment(client: Client, plan: NormalizedPlan, options: StartRunOptions): Promise<{ runId: string; handle: DeploymentHandle }> {
  const runId = checkedRunId(plan, options.id);
  const services = plan.services.map((s) => s.name);
  const indexServices = Buffer.byteLength(JSON.stringify(services)) <= MAX_SEARCH_ATTRIBUTE_BYTES;
  const { signing } = options;
  const signature = signing && signPlan(plan, { runId, key: signing.key, nowMs: Date.now(), ttlMs: signing.ttlMs ?? DEFAULT_SIGNATURE_TTL_MS, approvers: signing.approvers, autoApprove: options.autoApprove });
  try {
    const handle = await client.workflow.start<typeof deploymentWorkflow>('deploymentWorkflow', {
      workflowId: runId,
      taskQueue: ORCHESTRATOR_TASK_QUEUE,
      args: [{ runId, plan, startedBy: options.startedBy, autoApprove: options.autoApprove, ...(signature ? { signature } : {}) }],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.plan, value: plan.name },
        { key: SEARCH_ATTRIBUTES.state, value: 'running' },
        { key: SEARCH_ATTRIBUTES.wave, value: 1 },
        ...(indexServices ? [{ key: SEARCH_ATTRIBUTES.services, value: services }] : []),
      ],
      staticSummary: options.summary ?? `${plan.name}: ${plan.services.length} services, ${plan.strategy.mode} mode, onFailure ${plan.strategy.onFailure}`,
      staticDetails: `${options.details ?? `Plan \`${plan.source}\`, started by ${options.startedBy}.`}\n\n${signedDetails(signing, signature)}`,
    });
    return { runId, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RefusedError(`run "${runId}" is already open`, `Follow it with \`maestro watch ${runId}\`, abort it with \`maestro abort ${runId}\`, or start another with --id.`);
    }
    throw err;
  }
}
