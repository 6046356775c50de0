import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { deploymentWorkflow } from '../workflows/deployment';
import { serviceUndoWorkflowId, serviceWorkflowId } from '../workflows/ids';
import { progressQuery, serviceProgressQuery } from '../workflows/messages';
import { RUN_NOT_SUCCEEDED, type RunOutcome, type RunProgress } from '../workflows/progress';
import { InvalidInputError, RefusedError } from './errors';

export type DeploymentHandle = WorkflowHandle<typeof deploymentWorkflow>;

/** The handle of an existing run; an unknown id is invalid input (exit 2), an ended run with `open` is refused (exit 3). */
export async function existingRun(client: Client, runId: string, options: { open?: boolean } = {}): Promise<DeploymentHandle> {
  const handle = client.workflow.getHandle<typeof deploymentWorkflow>(runId);
  try {
    const description = await handle.describe();
    if (description.type !== 'deploymentWorkflow') throw new InvalidInputError(`${runId} is a ${description.type}, not a Maestro run`);
    if (options.open && description.status.name !== 'RUNNING') throw new RefusedError(`run "${runId}" has ended (${description.status.name.toLowerCase()})`);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new InvalidInputError(`no run with id "${runId}"`, 'List runs with `maestro list`.');
    throw err;
  }
  return handle;
}

/**
 * The run's progress, with the live step state of services still running: the parent keeps
 * service-level state; each running service child knows its steps (queried directly, so the
 * parent's history stays small).
 */
export async function fetchProgress(client: Client, handle: DeploymentHandle): Promise<RunProgress> {
  const progress = await handle.query(progressQuery);
  await Promise.all(
    Object.values(progress.services)
      .filter((s) => s.state === 'running' || s.state === 'rolling-back')
      .map(async (s) => {
        try {
          // A service being rolled back across services is undone by a child of its own.
          const id = s.state === 'rolling-back' ? serviceUndoWorkflowId(progress.runId, s.name) : serviceWorkflowId(progress.runId, s.name);
          const child = await client.workflow.getHandle(id).query(serviceProgressQuery);
          progress.services[s.name] = { ...s, steps: child.steps, currentStep: child.currentStep, node: child.node ?? s.node, nodesDown: child.nodesDown };
        } catch {
          // The child finished between the two queries; the parent's view is current enough.
        }
      }),
  );
  return progress;
}

/** Waits for a run to end; a run that did not succeed resolves with its outcome too. */
export async function awaitOutcome(handle: DeploymentHandle): Promise<RunOutcome> {
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === RUN_NOT_SUCCEEDED) {
      return err.cause.details?.[0] as RunOutcome;
    }
    throw err;
  }
}
