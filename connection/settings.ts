import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ClientConfigTLS } from '@temporalio/envconfig';
import { existsSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/**
 * Where the Temporal service is and how to authenticate, resolved once: command-line flags win,
 * then Temporal's standard `TEMPORAL_*` variables, then a profile of the Temporal CLI's config file
 * (`temporal.toml`), then the defaults — as Temporal's own tools do (`@temporalio/envconfig`).
 */
export interface ConnectionSettings {
  /** host:port of the frontend. Default `localhost:7233`. */
  address: string;
  /** Default `default`. */
  namespace: string;
  /** Temporal Cloud API key; implies TLS unless TLS is turned off explicitly. */
  apiKey?: string;
  /** false or absent: plain gRPC; true: TLS with the system CAs; an object: TLS with these materials (already read). */
  tls?: TLSConfig | boolean;
  /** gRPC headers (`TEMPORAL_GRPC_META_*`, a profile's `grpc_meta`). */
  grpcMeta?: Record<string, string>;
  /** Which config-file profile was read, for messages; absent when none was. */
  profile?: string;
  /** The client certificate's file, for messages (an expired or refused certificate is named); absent when none or given inline. */
  clientCertPath?: string;
}

/** The flag values that override the environment and the profile. */
export interface ConnectionOverrides {
  address?: string;
  namespace?: string;
  apiKey?: string;
  /** Client certificate and key files (mTLS). */
  tlsCert?: string;
  tlsKey?: string;
  /** CA file of the server certificate. */
  tlsCa?: string;
  /** Config-file profile to read. Default `TEMPORAL_PROFILE`, else `default` when the file has it. */
  profile?: string;
  /** Config file. Default `TEMPORAL_CONFIG_FILE`, else the Temporal CLI's (`~/.config/temporalio/temporal.toml`). */
  configFile?: string;
}

/** Connection settings that cannot be used as given (a malformed variable, a missing profile or file). */
export class ConnectionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionConfigError';
  }
}

/** envconfig reads any value but `1`/`true` as false; a typo must not silently turn TLS off. */
const BOOLEAN_VARIABLES = ['TEMPORAL_TLS', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'] as const;
const BOOLEAN_VALUES = ['true', 'false', '1', '0'];

/** Maestro's earlier variable names, still read, each standing for the standard one. */
const LEGACY_TLS_VARIABLES = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

const DEFAULT_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = 'default';

function checkedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  for (const name of BOOLEAN_VARIABLES) {
    const value = env[name];
    if (value !== undefined && !BOOLEAN_VALUES.includes(value)) {
      throw new ConnectionConfigError(`${name}=${JSON.stringify(value)} is not one of ${BOOLEAN_VALUES.join(', ')}`);
    }
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  for (const [legacy, standard] of Object.entries(LEGACY_TLS_VARIABLES)) {
    const value = out[legacy];
    if (value === undefined) continue;
    const other = out[standard];
    if (other !== undefined && other !== value) {
      throw new ConnectionConfigError(`${legacy}=${value} and ${standard}=${other} disagree; set only ${standard}`);
    }
    out[standard] = value;
  }
  return out;
}

function loadProfile(overrides: ConnectionOverrides, env: Record<string, string>): ClientConfigProfile {
  const file = overrides.configFile ?? env.TEMPORAL_CONFIG_FILE;
  // envconfig treats a missing file as empty, which is right for the default location only.
  if (file !== undefined && !existsSync(file)) throw new ConnectionConfigError(`Temporal config file ${file}: no such file`);
  try {
    return loadClientConfigProfile({
      profile: overrides.profile,
      configSource: overrides.configFile === undefined ? undefined : { path: overrides.configFile },
      configFileStrict: true,
      overrideEnvVars: env,
    });
  } catch (err) {
    const where = file ?? 'the Temporal CLI config file (temporal.toml)';
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConnectionConfigError(`connection profile from ${where}: ${why}`);
  }
}

function withFlagTls(tls: ClientConfigTLS | undefined, overrides: ConnectionOverrides): ClientConfigTLS | undefined {
  const fromFlags: ClientConfigTLS = {
    ...(overrides.tlsCert === undefined ? {} : { clientCert: { path: overrides.tlsCert } }),
    ...(overrides.tlsKey === undefined ? {} : { clientKey: { path: overrides.tlsKey } }),
    ...(overrides.tlsCa === undefined ? {} : { serverCACert: { path: overrides.tlsCa } }),
  };
  if (Object.keys(fromFlags).length === 0) return tls;
  return { ...tls, ...fromFlags };
}

/** Resolves flags, `TEMPORAL_*` variables and the config-file profile; throws ConnectionConfigError. */
export function connectionSettings(overrides: ConnectionOverrides = {}, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const checked = checkedEnv(env);
  const profile = loadProfile(overrides, checked);
  const merged: ClientConfigProfile = {
    ...profile,
    address: overrides.address ?? profile.address,
    namespace: overrides.namespace ?? profile.namespace,
    apiKey: overrides.apiKey ?? profile.apiKey,
    tls: withFlagTls(profile.tls, overrides),
  };
  const tls = merged.tls;
  if (tls?.clientCert !== undefined && tls.clientKey === undefined) throw new ConnectionConfigError('a TLS client certificate needs its key (--tls-key, TEMPORAL_TLS_CLIENT_KEY_PATH)');
  if (tls?.clientKey !== undefined && tls.clientCert === undefined) throw new ConnectionConfigError('a TLS client key needs its certificate (--tls-cert, TEMPORAL_TLS_CLIENT_CERT_PATH)');
  let options: ReturnType<typeof toClientOptions>;
  try {
    options = toClientOptions(merged);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConnectionConfigError(e.code === 'ENOENT' ? `TLS file not found: ${e.path ?? e.message}` : `TLS settings: ${e.message}`);
  }
  const profileName = overrides.profile ?? checked.TEMPORAL_PROFILE;
  return {
    address: merged.address ?? DEFAULT_ADDRESS,
    namespace: merged.namespace ?? DEFAULT_NAMESPACE,
    apiKey: merged.apiKey,
    tls: options.connectionOptions.tls ?? undefined,
    grpcMeta: merged.grpcMeta && Object.keys(merged.grpcMeta).length > 0 ? merged.grpcMeta : undefined,
    profile: profileName,
    clientCertPath: tls?.clientCert && 'path' in tls.clientCert ? tls.clientCert.path : undefined,
  };
}

/** TLS, API key and headers shared by the client Connection and the workers' NativeConnection. */
export function connectionOptions(settings: ConnectionSettings): Pick<ConnectionOptions, 'address' | 'tls' | 'metadata'> & { apiKey?: string } {
  return {
    address: settings.address,
    apiKey: settings.apiKey,
    tls: settings.tls === true ? {} : settings.tls || undefined,
    metadata: settings.grpcMeta,
  };
}

/** How long the CLI waits for the server before giving up with exit 4. */
export const CONNECT_TIMEOUT_MS = 5_000;
