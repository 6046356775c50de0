import type { Command } from 'commander';
import { ConnectionConfigError, connectionSettings, type ConnectionOverrides, type ConnectionSettings } from '../../connection/settings';
import { InvalidInputError } from '../errors';

export type ConnectionFlags = ConnectionOverrides;

/**
 * The flags every command that talks to Temporal accepts. Each wins over Temporal's standard
 * `TEMPORAL_*` variable, which wins over the Temporal CLI's config-file profile (temporal.toml).
 */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--tls-cert <file>', 'client certificate for mTLS (env TEMPORAL_TLS_CLIENT_CERT_PATH)')
    .option('--tls-key <file>', 'client key for mTLS (env TEMPORAL_TLS_CLIENT_KEY_PATH)')
    .option('--tls-ca <file>', 'CA of the server certificate (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)')
    .option('--api-key <key>', 'Temporal Cloud API key (env TEMPORAL_API_KEY)')
    .option('--profile <name>', 'profile of the Temporal CLI config file (env TEMPORAL_PROFILE, default "default")')
    .option('--config-file <file>', 'Temporal CLI config file (env TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)');
}

/** Connection settings from the flags, the environment and the config file; bad ones are invalid input (exit 2). */
export function settingsFromFlags(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  try {
    return connectionSettings(flags, env);
  } catch (err) {
    if (err instanceof ConnectionConfigError) throw new InvalidInputError(err.message, 'See "Configuration" in README.md for the variables and the config-file profile.');
    throw err;
  }
}

const FLAG_NAMES: Array<[keyof ConnectionFlags, string]> = [
  ['address', '--address'],
  ['namespace', '--namespace'],
  ['tlsCert', '--tls-cert'],
  ['tlsKey', '--tls-key'],
  ['tlsCa', '--tls-ca'],
  ['apiKey', '--api-key'],
  ['profile', '--profile'],
  ['configFile', '--config-file'],
];

/** The connection flags given, as arguments again (for commands run on the operator's behalf). */
export function connectionArgs(flags: ConnectionFlags): string[] {
  return FLAG_NAMES.flatMap(([key, flag]) => (flags[key] === undefined ? [] : [flag, flags[key]!]));
}
