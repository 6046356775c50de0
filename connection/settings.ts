import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';

/** Where the Temporal service is and how to authenticate; from flags, else the environment. */
export interface ConnectionSettings {
  /** host:port of the frontend. Default `TEMPORAL_ADDRESS` or `localhost:7233`. */
  address: string;
  /** Default `TEMPORAL_NAMESPACE` or `default`. */
  namespace: string;
  /** Client certificate and key files (mTLS). Default `TEMPORAL_TLS_CERT` / `TEMPORAL_TLS_KEY`. */
  tlsCert?: string;
  tlsKey?: string;
  /** CA file for the server certificate. Default `TEMPORAL_TLS_CA`. */
  tlsCa?: string;
  /** Use TLS even without certificate files. Default `TEMPORAL_TLS=true`, or when an API key is set. */
  tls?: boolean;
  /** Temporal Cloud API key. Default `TEMPORAL_API_KEY`. */
  apiKey?: string;
}

export function connectionSettings(overrides: Partial<ConnectionSettings> = {}, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const pick = <T>(value: T | undefined, fallback: T | undefined): T | undefined => (value === undefined ? fallback : value);
  return {
    address: pick(overrides.address, env.TEMPORAL_ADDRESS) ?? 'localhost:7233',
    namespace: pick(overrides.namespace, env.TEMPORAL_NAMESPACE) ?? 'default',
    tlsCert: pick(overrides.tlsCert, env.TEMPORAL_TLS_CERT),
    tlsKey: pick(overrides.tlsKey, env.TEMPORAL_TLS_KEY),
    tlsCa: pick(overrides.tlsCa, env.TEMPORAL_TLS_CA),
    tls: pick(overrides.tls, env.TEMPORAL_TLS === undefined ? undefined : env.TEMPORAL_TLS === 'true'),
    apiKey: pick(overrides.apiKey, env.TEMPORAL_API_KEY),
  };
}

/** TLS and API-key options shared by the client Connection and the workers' NativeConnection. */
export function connectionOptions(settings: ConnectionSettings): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const hasCerts = Boolean(settings.tlsCert || settings.tlsCa);
  const useTls = settings.tls ?? (hasCerts || Boolean(settings.apiKey));
  return {
    address: settings.address,
    apiKey: settings.apiKey,
    tls: useTls
      ? {
          serverRootCACertificate: settings.tlsCa ? readFileSync(settings.tlsCa) : undefined,
          clientCertPair:
            settings.tlsCert && settings.tlsKey ? { crt: readFileSync(settings.tlsCert), key: readFileSync(settings.tlsKey) } : undefined,
        }
      : undefined,
  };
}

/** How long the CLI waits for the server before giving up with exit 4. */
export const CONNECT_TIMEOUT_MS = 5_000;
