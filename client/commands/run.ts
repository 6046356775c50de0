import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import { autoApproveProblem, planGates } from '../../plan/approval-policy';
import { InvalidInputError } from '../errors';
import { EXIT } from '../exit-codes';
import { loadPlanFile } from '../load-plan';
import { checkNodesBeforeRun } from './run-preflight';
import { requireOperator, signingFor } from '../identity';
import type { Output } from '../output';
import { awaitOutcome } from '../run/handle';
import { readProgress } from '../run/progress';
import { renderOutcome } from '../render/status-text';
import { startDeployment, checkedRunId } from '../start-run';
import { watchRun } from './watch';

export interface RunOptions {
  output: Output;
  connection: ConnectionSettings;
  /** Plan file. */
  file: string;
  clusterFile?: string;
  /** Run id. Default: the plan name. */
  id?: string;
  /** Wait for the outcome: exit 0 on success, 1 otherwise. */
  wait?: boolean;
  /** Follow the run live (a TTY) or as one line per event, then exit like --wait. */
  watch?: boolean;
  /** Approve every gate as the operator running this command. */
  autoApprove?: boolean;
  /** Operator name recorded as the starter. Default: the key's name in the trust file. */
  as?: string;
  /** Signing key (`--key`, MAESTRO_KEY, else the local key `maestro dev` made). */
  key?: string;
  /** Trust file whose approval keys the run checks approvals against (`--trust`, MAESTRO_TRUST, else the local one). */
  trust?: string;
  /** How long the plan signature lets steps start (`--expires`). Default a week. */
  expiresMs?: number;
  json?: boolean;
  /** Refuse (exit 3) instead of warning when the orchestrator or a node the plan needs has no polling worker. */
  requireNodes?: boolean;
}

/** `maestro run`: validates locally, then starts the run; the run id is the deployment lock. */
export async function runCommand(options: RunOptions): Promise<number> {
  const { plan, clusterFile } = await loadPlanFile(options.file, { clusterFile: options.clusterFile });
  checkedRunId(plan, options.id);
  // Before connecting: no key, or a bad one, is the operator's to fix (exit 2).
  const operator = requireOperator({ key: options.key, trust: options.trust });
  const signing = signingFor(operator, { trust: options.trust, ttlMs: options.expiresMs });
  const startedBy = options.as ?? operator.name;
  if (options.autoApprove) {
    // Before connecting: nothing starts when the starter alone may not approve every gate.
    const problems = planGates(plan).flatMap((gate) => autoApproveProblem(plan.approvals, gate, startedBy) ?? []);
    if (problems.length) {
      throw new InvalidInputError(`--auto-approve: ${startedBy} may not approve this plan's gates alone: ${problems.join('; ')}`, "Run without --auto-approve and answer the gates with maestro approve, or change the plan's approvals.");
    }
  }
  return withClient(options.connection, async (client) => {
    await checkNodesBeforeRun(client, plan, { clusterFile, connection: options.connection, requireNodes: options.requireNodes, output: options.output });
    const { runId, handle } = await startDeployment(client, plan, { id: options.id, startedBy, autoApprove: options.autoApprove, signing });
    if (options.watch) return (await watchRun({ client, handle, output: options.output, json: options.json })).exitCode;
    if (!options.wait) {
      options.output.out(options.json ? JSON.stringify({ runId, started: true, startedBy }) : `started run ${runId} (${plan.services.length} services); follow it with: maestro watch ${runId}`);
      return EXIT.ok;
    }
    const outcome = await awaitOutcome(handle);
    const progress = outcome.final?.progress ?? (await readProgress(client, handle));
    options.output.out(options.json ? JSON.stringify({ ...outcome, progress }, null, 2) : renderOutcome(progress));
    return outcome.state === 'succeeded' ? EXIT.ok : EXIT.runFailed;
  });
}
