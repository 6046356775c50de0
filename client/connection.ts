import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { maestroDataConverter, PayloadKeyError } from '../connection/codec';
import { diagnoseConnectFailure } from '../connection/diagnose';
import { CONNECT_TIMEOUT_MS, connectionOptions, type ConnectionSettings } from '../connection/settings';
import { InvalidInputError, UnreachableError } from './errors';
import { temporalErrorToCli } from './temporal-errors';
import { diagnoseTls } from './tls-diagnosis';

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
    throw await connectFailure(err as Error, settings);
  }
  return new Client({ connection, namespace: settings.namespace, dataConverter });
}

/** Connects (see `connectClient`), runs `fn` with the client and closes the connection, whatever `fn` does. */
export async function withClient<T>(settings: ConnectionSettings, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(settings);
  try {
    return await fn(client);
  } catch (err) {
    throw temporalErrorToCli(err, settings);
  } finally {
    await client.connection.close();
  }
}

/**
 * Why a connection failed, for the operator. gRPC only says the connection closed or the deadline
 * passed; with TLS on, the handshake is asked for the reason (a missing, foreign or expired client
 * certificate, a server certificate this client does not trust).
 */
export async function connectFailure(err: Error, settings: ConnectionSettings): Promise<UnreachableError> {
  const reason = await diagnoseTls(settings).catch(() => undefined);
  if (reason) {
    return new UnreachableError(
      `Temporal at ${settings.address} refused the TLS connection: ${reason} (${err.message})`,
      "Pass this machine's own pair from `maestro certs` with --tls-cert clients/<name>.pem --tls-key clients/<name>-key.pem and --tls-ca ca.pem (or TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH / TEMPORAL_TLS_SERVER_CA_CERT_PATH); see docs/production.md.",
    );
  }
  return unreachable(settings, err);
}

/** What to check: on this machine, start a server; elsewhere, the server machine, its listen address and the network. */
export function unreachableHint(address: string): string {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) {
    return 'Start one here with `maestro dev` (server and workers) or `maestro server`, or set TEMPORAL_ADDRESS / --address to a running server.';
  }
  return `Check that the server on ${host} runs and listens on that address (\`maestro server --ip ${host}\`), the port, and any firewall in between; or set TEMPORAL_ADDRESS / --address.`;
}

/** The UnreachableError for a failed connect, saying why (nothing listens, not Temporal, a TLS mismatch). */
export async function unreachable(settings: ConnectionSettings, err: unknown): Promise<UnreachableError> {
  const why = await diagnoseConnectFailure(settings.address, Boolean(settings.tls) || Boolean(settings.apiKey)).catch(() => (err as Error).message);
  return new UnreachableError(`Temporal is unreachable at ${settings.address}: ${why}`, unreachableHint(settings.address));
}
