import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { CERT_FILES } from '../connection/cert-files';
import { maestroHome, projectRoot } from './temporal-binaries';
import { SERVER_MESSAGE_LIMITS } from './dev-server';

/**
 * The production route's Temporal server: the real server (v1.32.2, built from the Go module
 * proxy by bin/build-temporal-server.sh) on PostgreSQL, every connection mTLS with the
 * certificates `maestro certs` makes. One process runs all four services (frontend, history,
 * matching, worker), bound to one address; the frontend is the only port clients need.
 */

export const PRODUCTION_SERVER_VERSION = '1.32.2';

/** The ports of the four services; only the frontend's is for clients. */
export const SERVER_PORTS = {
  frontend: { grpcPort: 7233, membershipPort: 6933 },
  history: { grpcPort: 7234, membershipPort: 6934 },
  matching: { grpcPort: 7235, membershipPort: 6935 },
  worker: { grpcPort: 7239, membershipPort: 6939 },
} as const;

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Database of the server's state. Default `temporal`. */
  database: string;
  /** Database of visibility (run lists, search attributes). Default `temporal_visibility`. */
  visibilityDatabase: string;
}

export interface ProductionServerSettings {
  postgres: PostgresTarget;
  /** Folder made by `maestro certs`. */
  tlsDir: string;
  /** Address every service binds to and announces to the others. */
  ip: string;
  /** The name clients check the server certificate against (one of `maestro certs --host`). */
  serverName: string;
  /** Where the generated configuration goes. Default `.maestro/data/production-server`. */
  configDir?: string;
}

/** `postgres://user:password@host:port[/database]` → target; the visibility database is `<database>_visibility`. */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--postgres: "${url}" is not a URL (expected postgres://user:password@host:5432/temporal)`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`--postgres: expected a postgres:// URL, not ${parsed.protocol}//`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'temporal';
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'temporal'),
    password: decodeURIComponent(parsed.password),
    database,
    visibilityDatabase: `${database}_visibility`,
  };
}

/** The certificate files of a `maestro certs` folder the server uses. */
export function serverTlsFiles(tlsDir: string) {
  const dir = resolve(tlsDir);
  return { ca: join(dir, CERT_FILES.ca), cert: join(dir, CERT_FILES.serverCert), key: join(dir, CERT_FILES.serverKey) };
}

/**
 * The server's configuration. Both the frontend and the internal services require a client
 * certificate signed by the cluster's CA; the internal services present the server certificate.
 * No HTTP API, metrics or pprof port is opened: the frontend's gRPC port is the only way in.
 */
export function productionServerConfig(settings: ProductionServerSettings, dynamicConfigFile: string): Record<string, unknown> {
  const { postgres: pg, ip } = settings;
  const tls = serverTlsFiles(settings.tlsDir);
  const store = (databaseName: string, maxConns: number) => ({
    sql: { pluginName: 'postgres12', databaseName, connectAddr: `${pg.host}:${pg.port}`, connectProtocol: 'tcp', user: pg.user, password: pg.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h' },
  });
  const mtls = {
    server: { certFile: tls.cert, keyFile: tls.key, requireClientAuth: true, clientCaFiles: [tls.ca] },
    client: { serverName: settings.serverName, rootCaFiles: [tls.ca] },
  };
  const service = (ports: { grpcPort: number; membershipPort: number }) => ({ rpc: { ...ports, bindOnIP: ip } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': store(pg.database, 20), 'postgres-visibility': store(pg.visibilityDatabase, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: ip },
      tls: { internode: mtls, frontend: mtls },
    },
    services: {
      frontend: service(SERVER_PORTS.frontend),
      history: service(SERVER_PORTS.history),
      matching: service(SERVER_PORTS.matching),
      worker: service(SERVER_PORTS.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${ip}:${SERVER_PORTS.frontend.grpcPort}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Dynamic configuration: search attributes usable as soon as they are added (no cache delay),
 * and the message size cap of every Maestro server (`SERVER_MESSAGE_LIMITS`).
 */
export const PRODUCTION_DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
  ...Object.fromEntries(Object.entries(SERVER_MESSAGE_LIMITS).map(([key, value]) => [key, [{ value, constraints: {} }]])),
};

/** Writes config and dynamic config into the config folder; returns the config file. */
export function writeProductionConfig(settings: ProductionServerSettings): string {
  const dir = settings.configDir ?? join(maestroHome(), 'data', 'production-server');
  mkdirSync(dir, { recursive: true });
  const dynamic = join(dir, 'dynamicconfig.yaml');
  writeFileSync(dynamic, stringify(PRODUCTION_DYNAMIC_CONFIG));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(productionServerConfig(settings, dynamic)), { mode: 0o600 });
  return file;
}

/** The server and sql tool binaries: `TEMPORAL_SERVER_PATH` (sql tool beside it, or `TEMPORAL_SQL_TOOL_PATH`), else the pinned build. */
export function productionBinaries(env: NodeJS.ProcessEnv = process.env): { server: string; sqlTool: string; schemaDir: string } {
  const built = join(maestroHome(), 'tools', `temporal-server-${PRODUCTION_SERVER_VERSION}`);
  const server = env.TEMPORAL_SERVER_PATH ?? join(built, 'bin', 'temporal-server');
  const sqlTool = env.TEMPORAL_SQL_TOOL_PATH ?? join(resolve(server, '..'), 'temporal-sql-tool');
  const schemaDir = env.TEMPORAL_SCHEMA_DIR ?? join(resolve(server, '..', '..'), 'schema');
  for (const [what, path] of [['temporal-server', server], ['temporal-sql-tool', sqlTool], ['the schema folder', schemaDir]] as const) {
    if (!existsSync(path)) {
      throw new Error(`${what} not found at ${path}: build it with bin/build-temporal-server.sh (or set TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH, TEMPORAL_SCHEMA_DIR)`);
    }
  }
  return { server, sqlTool, schemaDir };
}

/**
 * Creates both databases and brings their schemas to the server's version with temporal-sql-tool
 * (as Temporal's own setup does). Safe to run again: existing databases and versions are kept.
 */
export function setupPostgresSchema(pg: PostgresTarget, binaries = productionBinaries(), run: (file: string, args: string[]) => void = runQuiet): void {
  for (const [database, folder] of [[pg.database, 'temporal'], [pg.visibilityDatabase, 'visibility']] as const) {
    const base = ['--plugin', 'postgres12', '--endpoint', pg.host, '--port', String(pg.port), '--user', pg.user, '--password', pg.password, '--database', database];
    run(binaries.sqlTool, [...base, 'create-database']);
    // Version 0.0 is the empty schema's marker; `setup-schema` refuses nothing that exists.
    run(binaries.sqlTool, [...base, 'setup-schema', '-v', '0.0']);
    run(binaries.sqlTool, [...base, 'update-schema', '-d', join(binaries.schemaDir, 'postgresql', 'v12', folder, 'versioned')]);
  }
}

function runQuiet(file: string, args: string[]): void {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    const text = `${e.stderr ?? ''}${e.stdout ?? ''}`;
    // create-database on an existing database: nothing to do.
    if (/already exists/.test(text)) return;
    throw new Error(`${file.split('/').pop()} ${args.filter((a, i) => args[i - 1] !== '--password').slice(-3).join(' ')} failed:\n${text.trim()}`);
  }
}

/** Spawns the server with `configFile`; the caller waits for it to serve. */
export function spawnProductionServer(configFile: string, binaries = productionBinaries()): ChildProcess {
  // No authorizer: a client is trusted once its certificate is (mTLS); Maestro's authority is the
  // operators' signatures, not the server's.
  return spawn(binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
}
