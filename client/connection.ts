import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { maestroDataConverter, PayloadKeyError } from '../connection/codec';
import { CONNECT_TIMEOUT_MS, connectionOptions, type ConnectionSettings } from '../connection/settings';
import { InvalidInputError, UnreachableError } from './errors';

/** The data converter from the environment; a malformed key is invalid input (exit 2). */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter {
  try {
    return maestroDataConverter(env);
  } catch (err) {
    if (err instanceof PayloadKeyError) throw new InvalidInputError(err.message);
    throw err;
  }
}

/**
 * Connects a client, failing fast with UnreachableError (exit 4) instead of hanging. Its data
 * converter is `dataConverterFromEnv()` (payload encryption when `MAESTRO_PAYLOAD_KEY` is set).
 */
export async function connectClient(settings: ConnectionSettings): Promise<Client> {
  const dataConverter = dataConverterFromEnv();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: CONNECT_TIMEOUT_MS });
    await connection.ensureConnected();
  } catch (err) {
    throw new UnreachableError(
      `Temporal is unreachable at ${settings.address} (${(err as Error).message})`,
      'Start one with `maestro dev`, or set TEMPORAL_ADDRESS / --address to a running server.',
    );
  }
  return new Client({ connection, namespace: settings.namespace, dataConverter });
}

/** Connects (see `connectClient`), runs `fn` with the client and closes the connection, whatever `fn` does. */
export async function withClient<T>(settings: ConnectionSettings, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(settings);
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}
