import { WorkflowUpdateFailedError } from '@temporalio/client';
import { connectClient } from './connection';
import { type ConnectionSettings } from '../connection/settings';
import { RefusedError } from './errors';
import { temporalErrorToCli } from './temporal-errors';
import { existingRun, type DeploymentHandle } from './run/handle';

/** Connects, finds the open run (unknown id: exit 2, ended: exit 3), runs `fn`, closes. */
export async function withRun<T>(connection: ConnectionSettings, runId: string, fn: (handle: DeploymentHandle) => Promise<T>): Promise<T> {
  const client = await connectClient(connection);
  try {
    return await fn(await existingRun(client, runId, { open: true }));
  } catch (err) {
    throw temporalErrorToCli(err, connection);
  } finally {
    await client.connection.close();
  }
}

/** An update the run refused becomes exit 3 with the run's reason. */
export async function refusedAsExit3<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new RefusedError(`refused: ${err.cause?.message ?? err.message}`);
    // gRPC NOT_FOUND: the run closed between the check and the update.
    if (err instanceof Error && (err as { code?: number }).code === 5) throw new RefusedError('refused: the run has ended');
    throw err;
  }
}
