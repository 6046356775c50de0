import type { Command } from 'commander';
import { connectionSettings, type ConnectionSettings } from '../../connection/settings';

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  apiKey?: string;
}

/** The flags every command that talks to Temporal accepts; each falls back to its env variable. */
export function withConnectionFlags(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default localhost:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--tls-cert <file>', 'client certificate for mTLS (env TEMPORAL_TLS_CERT)')
    .option('--tls-key <file>', 'client key for mTLS (env TEMPORAL_TLS_KEY)')
    .option('--tls-ca <file>', 'CA of the server certificate (env TEMPORAL_TLS_CA)')
    .option('--api-key <key>', 'Temporal Cloud API key (env TEMPORAL_API_KEY)');
}

export function settingsFromFlags(flags: ConnectionFlags): ConnectionSettings {
  return connectionSettings(flags);
}
