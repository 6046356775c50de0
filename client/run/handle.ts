import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { deploymentWorkflow } from '../../workflows/deployment';
import { RUN_NOT_SUCCEEDED, type RunOutcome } from '../../workflows/progress';
import { InvalidInputError, RefusedError } from '../errors';

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
