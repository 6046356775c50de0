import { PrepareError, prepareNamespace, type PrepareResult } from '../../workers/prepare-namespace';
import { withClient } from '../connection';
import type { ConnectionSettings } from '../../connection/settings';
import { CliError, NotPreparedError, RefusedError } from '../errors';
import { EXIT } from '../exit-codes';
import type { Output } from '../output';

export interface InitOptions {
  output: Output;
  connection: ConnectionSettings;
  /** Register the namespace when the server does not know it. Default false. */
  createNamespace?: boolean;
  /** Retention of closed runs in a namespace created here, in days. Default 30. */
  retentionDays?: number;
  json?: boolean;
}

/**
 * `maestro init`: prepares a Temporal server for Maestro — the namespace (with
 * `--create-namespace`) and Maestro's search attributes, registered and usable. Safe to repeat.
 */
export async function initCommand(options: InitOptions): Promise<void> {
  const { namespace, address } = options.connection;
  const result = await withClient(options.connection, async (client) => {
    try {
      return await prepareNamespace(client.connection, { namespace, createNamespace: options.createNamespace, retentionDays: options.retentionDays });
    } catch (err) {
      throw prepareErrorToCli(err, options.connection);
    }
  });
  options.output.out(options.json ? JSON.stringify({ address, ...result }, null, 2) : describe(address, result));
}

function describe(address: string, r: PrepareResult): string {
  const lines = [`${address}, namespace "${r.namespace}": ready for Maestro.`];
  if (r.createdNamespace) lines.push(`  namespace "${r.namespace}" registered`);
  if (r.added.length) lines.push(`  search attributes registered: ${r.added.join(', ')}`);
  if (r.present.length) lines.push(`  search attributes already there: ${r.present.join(', ')}`);
  return lines.join('\n');
}

/** A PrepareError as the CLI reports it; anything else unchanged. */
export function prepareErrorToCli(err: unknown, settings: ConnectionSettings): unknown {
  if (!(err instanceof PrepareError)) return err;
  const where = `at ${settings.address}`;
  switch (err.kind) {
    case 'namespace-not-found':
      return new NotPreparedError(`${err.message} (${where})`, `Create it with \`maestro init --namespace ${settings.namespace} --create-namespace\`, or pick an existing one with --namespace / TEMPORAL_NAMESPACE.`);
    case 'permission-denied':
      return new RefusedError(
        `${err.message} (${where})`,
        'Run `maestro init` with credentials that may administer the namespace; on Temporal Cloud, add the search attributes MaestroPlan, MaestroState (Keyword), MaestroWave (Int) and MaestroServices (KeywordList) in the Cloud UI or with tcld.',
      );
    case 'type-conflict':
      return new RefusedError(`${err.message} (${where})`, 'Remove the conflicting search attribute (temporal operator search-attribute remove) or use another namespace.');
    case 'not-visible':
      return new CliError(`${err.message} (${where})`, EXIT.runFailed, 'The server accepted the registration but does not use it yet; run `maestro init` again in a minute.');
  }
}
