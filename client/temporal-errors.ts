import { NamespaceNotFoundError } from '@temporalio/client';
import type { ConnectionSettings } from '../connection/settings';
import { NotPreparedError } from './errors';

/** gRPC INVALID_ARGUMENT, as the SDK's ServiceError carries it in `cause.code`. */
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;

/** The gRPC status and details behind an SDK error, wherever the SDK put them. */
function grpcStatus(err: unknown): { code?: number; details: string } {
  for (let e = err as { code?: unknown; details?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'number') return { code: e.code, details: typeof e.details === 'string' ? e.details : String(e.message ?? '') };
  }
  return { details: '' };
}

/**
 * What the server says when it is not ready for Maestro, as a NotPreparedError naming
 * `maestro init`; anything else unchanged.
 */
export function temporalErrorToCli(err: unknown, settings: ConnectionSettings): unknown {
  const { address, namespace } = settings;
  const init = `maestro init --address ${address} --namespace ${namespace}`;
  const status = grpcStatus(err);
  const coreNamespaceNotFound = err instanceof Error && err.name === 'TransportError' && /namespace \S+ (was|is) not found/i.test(err.message);
  if (err instanceof NamespaceNotFoundError || coreNamespaceNotFound || (status.code === NOT_FOUND && /namespace\b.*\bnot found/i.test(status.details))) {
    return new NotPreparedError(
      `namespace "${namespace}" does not exist at ${address}`,
      `Create and prepare it with \`${init} --create-namespace\`, or name an existing one with --namespace / TEMPORAL_NAMESPACE.`,
    );
  }
  if (status.code === INVALID_ARGUMENT && /search attribute/i.test(status.details)) {
    return new NotPreparedError(
      `namespace "${namespace}" at ${address} is not prepared for Maestro (${status.details})`,
      `Run \`${init}\` once: it registers Maestro's search attributes.`,
    );
  }
  return err;
}
