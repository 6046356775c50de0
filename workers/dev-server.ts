import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { searchAttributeDeclarations } from '../workflows/search-attributes';
import { maestroHome, resolveTemporalBinary } from './temporal-binaries';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder';

/**
 * The size cap every Maestro server configuration sets on one message (a signal's, an update's
 * or a start's payloads together, checked by the server before anything is written to history):
 * a larger one is refused to its sender and the run never sees it. 2 MiB is Temporal's default,
 * pinned so an operator's or a newer server's default cannot raise it; it must hold the run's
 * input (a plan encodes to at most `LIMITS.planEncodedBytes`, 1.5 MiB). Temporal checks the
 * error limit only above the warn limit, so a lowered `error` needs a `warn` at most as large.
 */
export const SERVER_MESSAGE_LIMITS = {
  'limit.blobSize.error': 2 * 1024 * 1024,
  'limit.blobSize.warn': 512 * 1024,
} as const;

/**
 * Latency settings of the embedded server, from the benchmark (bench/RESULTS.md): by default its
 * queues look for new tasks only 20 times a second (every step waited up to 50 ms twice), and
 * SQLite's default journal fsyncs several times per write. WAL with synchronous=normal survives a
 * crash of the server process; a machine crash may lose the last transactions.
 */
export const DEV_SERVER_TUNING = {
  dynamicConfig: [
    'history.transferProcessorMaxPollRPS=1000',
    'history.timerProcessorMaxPollRPS=1000',
    ...Object.entries(SERVER_MESSAGE_LIMITS).map(([key, value]) => `${key}=${value}`),
  ],
  sqlitePragmas: ['journal_mode=wal', 'synchronous=normal'],
} as const;

export function tuningArgs(options: { sqlite: boolean }): string[] {
  const args = DEV_SERVER_TUNING.dynamicConfig.flatMap((value) => ['--dynamic-config-value', value]);
  if (options.sqlite) args.push(...DEV_SERVER_TUNING.sqlitePragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]));
  return args;
}

export interface DevServerOptions {
  /** Address the gRPC frontend listens on. Default 127.0.0.1 (this machine only): the dev server has no TLS and no authentication. */
  ip?: string;
  /** gRPC port. Default 7233. */
  port?: number;
  /** Address the Web UI listens on. Default 127.0.0.1: the UI has no login. */
  uiIp?: string;
  /** Web UI port. Default gRPC port + 1000. */
  uiPort?: number;
  /** SQLite file that keeps runs across restarts. Default `.maestro/data/dev.sqlite`. */
  dbFile?: string;
  /** Run without the Web UI. Default false. */
  headless?: boolean;
  /**
   * URL of a payload codec endpoint (see workers/codec-server.ts) the Web UI calls to show
   * encrypted payloads in clear. Default: none.
   */
  uiCodecEndpoint?: string;
  /** Extra `temporal server start-dev` arguments (e.g. `--dynamic-config-value`). */
  extraArgs?: string[];
  logger?: Logger;
}

export interface DevServer {
  /** host:port clients and workers use (on a wildcard `ip`, the loopback address). */
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL) and resolves when it has exited. */
  stop(): Promise<void>;
}

/** The CLI spells search-attribute types in PascalCase. */
const CLI_TYPE_NAMES: Record<string, string> = {
  KEYWORD: 'Keyword',
  INT: 'Int',
  KEYWORD_LIST: 'KeywordList',
  TEXT: 'Text',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

/** How long the server may take to serve the `default` namespace. */
const START_TIMEOUT_MS = 60_000;

export function defaultDbFile(): string {
  return join(maestroHome(), 'data', 'dev.sqlite');
}

/** A TCP port on 127.0.0.1 nobody listens on right now (a restarted server may reuse it). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A port another process holds: starting would attach to someone else's server, so the start is refused. */
export class PortInUseError extends Error {
  constructor(
    readonly ip: string,
    readonly port: number,
    readonly what: string,
  ) {
    super(`${what} port ${ip}:${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

/** An --ip that no interface of this machine has: nothing could listen there. */
export class AddressNotHereError extends Error {
  constructor(readonly ip: string) {
    super(`${ip} is not an address of this machine`);
    this.name = 'AddressNotHereError';
  }
}

/** Resolves when nothing holds `ip:port`; rejects with PortInUseError when something does, AddressNotHereError for a foreign address. */
export async function assertPortFree(ip: string, port: number, what: string): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(ip, port, what) : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? new AddressNotHereError(ip) : err),
    );
    probe.listen(port, ip, () => probe.close(() => resolve()));
  });
}

/** The embedded server did not come up; the message carries the end of its output. */
export class DevServerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevServerStartError';
  }
}

/**
 * Whether the frontend must stay on 127.0.0.1 behind a forwarder on `ip`. The pinned CLI (1.9.1)
 * binds its internal services (history, matching, worker) on --ip but dials them on 127.0.0.1,
 * so it serves only on loopback or a wildcard: on one LAN or tailnet address every workflow
 * start failed with "dial tcp 127.0.0.1:…: connection refused".
 */
export function needsForwarder(ip: string): boolean {
  return !['127.0.0.1', 'localhost', '0.0.0.0', '::', ''].includes(ip);
}

/** Wildcard binds are reached through loopback on this machine. */
function connectHost(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}

/** `host:port`, bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts `temporal server start-dev` with the project's search attributes and waits until it serves. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? port + 1000;
  const ip = options.ip ?? '127.0.0.1';
  const uiIp = options.uiIp ?? '127.0.0.1';
  // The CLI would fail to bind but `waitUntilServing` would then find the other server and
  // report success: a second `maestro dev` must not silently attach to the first.
  await assertPortFree(ip, port, 'the Temporal gRPC');
  const forward = needsForwarder(ip);
  const serverIp = forward ? '127.0.0.1' : ip;
  if (forward) await assertPortFree(serverIp, port, `the Temporal gRPC (forwarded from ${ip})`);
  if (!options.headless) await assertPortFree(uiIp, uiPort, 'the Web UI');
  const dbFile = options.dbFile ?? defaultDbFile();
  mkdirSync(dirname(dbFile), { recursive: true });
  const args = ['server', 'start-dev', '--ip', serverIp, '--port', String(port), '--db-filename', dbFile, '--log-level', 'warn'];
  args.push(...(options.headless ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-ip', uiIp]));
  if (options.uiCodecEndpoint && !options.headless) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const { name, type } of searchAttributeDeclarations()) args.push('--search-attribute', `${name}=${CLI_TYPE_NAMES[type]}`);
  args.push(...tuningArgs({ sqlite: true }));
  args.push(...(options.extraArgs ?? []));

  const child = spawn(resolveTemporalBinary('cli'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const address = hostPort(connectHost(ip), port);
  let forwarder: TcpForwarder | undefined;
  try {
    await waitUntilServing(hostPort(connectHost(serverIp), port), child, START_TIMEOUT_MS, () => output.join(''));
    if (forward) forwarder = await startTcpForwarder({ host: ip, port }, { host: serverIp, port });
  } catch (err) {
    // Nobody else holds the process yet: a server that never came up must not outlive the caller.
    child.kill('SIGKILL');
    throw err;
  }
  // A server that dies takes its address with it: nodes see "nothing listens", not a hung connection.
  child.once('exit', () => void forwarder?.close());
  options.logger?.info({ address, dbFile, ...(forward ? { forwardedTo: hostPort(serverIp, port) } : {}) }, 'temporal dev server started');
  return {
    address,
    uiUrl: options.headless ? undefined : `http://${hostPort(connectHost(uiIp), uiPort)}`,
    process: child,
    async stop() {
      await forwarder?.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  child.once('exit', () => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new DevServerStartError(`the Temporal dev server exited during start:\n${output().trim()}`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      // The frontend answers before the namespace exists; wait for `default` to be usable.
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new DevServerStartError(`the Temporal dev server did not serve ${address} within ${timeoutMs} ms: ${(err as Error).message}\n${output().trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await connection?.close();
    }
  }
}
