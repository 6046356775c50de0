import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { maestroDataConverter } from '../../connection/codec';
import { DevServerStartError, freePort, PortInUseError, startDevServer as startServerProcess, type DevServer, type DevServerOptions } from '../../workers/dev-server';
import type { TemporalTarget } from './temporal-env';
import { waitFor } from './wait-for';

/**
 * Real processes for fault tests: the `maestro` CLI and workers from dist/, and the embedded
 * Temporal server started the way `maestro dev` starts it. Everything spawned here is tracked
 * and killed by `killSpawned()` (call it in afterAll).
 */

const ROOT = join(__dirname, '..', '..');
const MAESTRO_BIN = join(ROOT, 'bin', 'maestro.js');
const SOURCE_DIRS = ['plan', 'trust', 'workflows', 'activities', 'connection', 'workers', 'client'];
const spawned = new Set<ChildProcess>();


function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (/\.(ts|js)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Compiles dist/ (`npm run build`) when a source file is newer than the compiled CLI, so spawned
 * processes run the code under test. Parallel test files take turns through a lock directory.
 */
export async function ensureBuilt(): Promise<void> {
  const marker = join(ROOT, 'dist', 'client', 'main.js');
  const stale = () => !existsSync(marker) || Math.max(...SOURCE_DIRS.map((d) => newestMtime(join(ROOT, d)))) > statSync(marker).mtimeMs;
  if (!stale()) return;
  const lock = join(ROOT, 'test-artifacts', 'build.lock');
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await waitFor('the build lock', () => {
    try {
      mkdirSync(lock);
      return true;
    } catch {
      // A lock older than two minutes belongs to a build that died.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      return false;
    }
  }, 180_000, 250);
  try {
    if (!stale()) return;
    // Type errors elsewhere in the tree do not stop tsc from emitting; the tests judge behaviour.
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    } catch (err) {
      if (!existsSync(marker)) throw err;
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (SIGKILL after `graceMs`), and wait for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a process and tracks it for `killSpawned`. */
export function spawnTracked(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Spawned {
  const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      spawned.delete(child);
      resolve({ code, signal });
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill9() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `node bin/maestro.js <args>` (build first with `ensureBuilt`). */
export function spawnMaestro(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  return spawnTracked(process.execPath, [MAESTRO_BIN, ...args], { ...process.env, LOG_LEVEL: 'info', ...env });
}

/**
 * Resolves once `ready` holds (checked every `intervalMs`); fails at once, with the end of the
 * process's output, when it exits first.
 */
export async function untilReady(proc: Spawned, what: string, ready: (p: Spawned) => boolean | Promise<boolean>, timeoutMs = 90_000, intervalMs = 100): Promise<Spawned> {
  let gone = false;
  await Promise.race([
    // Polling stops once the process is gone (the exit has failed the wait already): no timer left running.
    waitFor(what, () => gone || ready(proc), timeoutMs, intervalMs),
    proc.exited.then(({ code }) => {
      gone = true;
      throw new Error(`exited (${code}) before ${what}:\n${proc.stdout().slice(-5000)}\n${proc.stderr().slice(-5000)}`);
    }),
  ]);
  return proc;
}

/** A `maestro worker` (or `maestro dev`'s) log line saying its workers poll. */
export const workersPolling = (p: Spawned): boolean => p.stderr().includes('"msg":"workers polling"');

/** `maestro worker --node <node>` as its own process; resolves once it polls. */
export async function startNodeWorkerProcess(options: { node: string; address: string; env?: NodeJS.ProcessEnv }): Promise<Spawned> {
  return untilReady(spawnMaestro(['worker', '--node', options.node, '--address', options.address], options.env), `worker ${options.node} polls`, workersPolling, 60_000);
}

export { freePort } from '../../workers/dev-server';

/** How often a server start that lost a port to another process is tried again. */
const PORT_RACE_ATTEMPTS = 5;

/** The start failed because a port it was to listen on was taken meanwhile: ours, or one of the server's internal ones. */
function lostAPort(err: unknown): boolean {
  return err instanceof PortInUseError || (err instanceof DevServerStartError && /address already in use/i.test(err.message));
}

/**
 * `temporal server start-dev` as `maestro dev` starts it (SQLite file), headless; tracked for
 * `killSpawned`. Without `port`, on a port found free: another test file can take that port (or
 * one of the ports the server picks for its internal services) before the server binds it, so a
 * start that fails with "address already in use" is tried again on a fresh port. With `port` (a
 * server restarted on its own port) the port is kept, and only a lost internal port is retried.
 * Without `uiPort` (and not headless) the Web UI takes port + 1000, moving with the port; a given
 * `uiPort` found taken is a PortInUseError at once (the caller picks another, see secrets.test.ts).
 * `pickPort` (tests of this helper) replaces `freePort`.
 */
export async function startServerProcessTracked(options: DevServerOptions & { port?: number; dbFile: string; pickPort?: () => Promise<number> }): Promise<DevServer> {
  const { pickPort = freePort, ...serverOptions } = options;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await pickPort());
    try {
      const server = await startServerProcess({ headless: true, ...serverOptions, port });
      spawned.add(server.process);
      server.process.once('exit', () => spawned.delete(server.process));
      return server;
    } catch (err) {
      const given = err instanceof PortInUseError && (err.port === options.port || err.port === options.uiPort);
      const retry = lostAPort(err) && !given;
      if (!retry || attempt >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}

/** The ports a `maestro dev` / `maestro server` started by `spawnOnFreePorts` listens on. */
export interface FreePorts {
  port: number;
  uiPort: number;
  /** Only with `metrics: true`. */
  metricsPort?: number;
}

/**
 * Spawns a `maestro dev` / `maestro server` (or another process that takes its port on the command
 * line, built by `spawn` from the ports) on ports found free,
 * and resolves once `ready` holds. The CLI refuses port 0, so between freePort() and the bind
 * another test file's process can take a port: when the process exits before it is ready saying
 * "already in use", it is spawned again on fresh ports (5 tries). `spawn` runs once per try, so it
 * can give each try its own state (a fresh MAESTRO_HOME). `pickPort` (tests of this helper)
 * replaces `freePort`.
 */
export async function spawnOnFreePorts(
  spawn: (ports: FreePorts) => Spawned,
  what: string,
  ready: (p: Spawned) => boolean | Promise<boolean>,
  options: { metrics?: boolean; timeoutMs?: number; pickPort?: () => Promise<number> } = {},
): Promise<FreePorts & { proc: Spawned }> {
  const { metrics = false, timeoutMs = 90_000, pickPort = freePort } = options;
  for (let attempt = 1; ; attempt++) {
    const ports: FreePorts = { port: await pickPort(), uiPort: await pickPort(), ...(metrics ? { metricsPort: await pickPort() } : {}) };
    const proc = spawn(ports);
    try {
      await untilReady(proc, what, ready, timeoutMs);
      return { ...ports, proc };
    } catch (err) {
      const exited = proc.child.exitCode !== null || proc.child.signalCode !== null;
      if (!exited || !/already in use/i.test(proc.stderr() + proc.stdout()) || attempt >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}

/** The port of a server's `host:port` address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** kill -9 a server started with `startServerProcessTracked`, and wait until it is gone. */
export async function killServer(server: DevServer): Promise<void> {
  const { process: child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** A client and a worker connection to `address`, as the CLI and the workers make them. */
export async function connectTarget(address: string, dataConverter: DataConverter = maestroDataConverter()): Promise<TemporalTarget & { close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    namespace: 'default',
    client: new Client({ connection, namespace: 'default', dataConverter }),
    nativeConnection,
    async close() {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/** Kills (-9) every process spawned through this module that is still running. */
export async function killSpawned(): Promise<void> {
  await Promise.all(
    [...spawned].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Kills a command's whole process group (commands run detached, in their own group), if it lives. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
