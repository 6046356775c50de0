/**
 * The system under test: an embedded dev server (SQLite file in a temp dir, headless, a free
 * port) and, in this process, the orchestrator worker and one worker per node.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, bundleWorkflowCode, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { DEFAULT_NODES } from '../plan/defaults';
import { startDevServer, type DevServer } from '../workers/dev-server';
import { createNodeWorker } from '../workers/node-worker';
import { createOrchestratorWorker, workflowsPath } from '../workers/orchestrator-worker';
import { workerTuning, type WorkerTuning } from '../workers/worker-options';

export interface BenchCluster {
  client: Client;
  server: DevServer;
  /** Working directory of the generated plans (inside the temp dir). */
  workdir: string;
  tuning: WorkerTuning;
  /** Rejects if a worker stops before `close` (never resolves). */
  workerFailure: Promise<never>;
  /** How long setting up took, in ms. */
  timings: { serverStartMs: number; bundleMs: number; workersStartMs: number };
  /** Stops the workers, the server, and removes the temp dir. */
  close(): Promise<void>;
}

export interface BenchClusterOptions {
  logger: Logger;
  /** Extra `temporal server start-dev` arguments (dynamic config). */
  serverArgs?: string[];
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const noop = () => undefined;
const quietBundler = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let t = Date.now();
    const port = await freePort();
    const server = await startDevServer({ port, headless: true, dbFile: join(dir, 'bench.sqlite'), extraArgs: options.serverArgs, logger: options.logger });
    cleanups.push(() => server.stop());
    const serverStartMs = Date.now() - t;

    t = Date.now();
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundler });
    const bundleMs = Date.now() - t;

    t = Date.now();
    const native = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => native.close());
    const namespace = 'default';
    const workers: Worker[] = [await createOrchestratorWorker({ connection: native, namespace, workflowBundle })];
    for (const node of DEFAULT_NODES) {
      workers.push(await createNodeWorker({ connection: native, namespace, node: node.name, logger: options.logger.child({ node: node.name }) }));
    }
    let closing = false;
    const running = workers.map((w) => w.run());
    // A worker that stops on its own (a fatal error) fails the benchmark instead of hanging it.
    const workerFailure = new Promise<never>((_, reject) => {
      for (const run of running) {
        run.then(
          () => closing || reject(new Error('a worker stopped during the benchmark')),
          (err: Error) => closing || reject(new Error(`a worker failed: ${err.message}`)),
        );
      }
    });
    workerFailure.catch(noop);
    cleanups.push(async () => {
      closing = true;
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
    });
    const workersStartMs = Date.now() - t;

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace });
    const workdir = join(dir, 'work');
    mkdirSync(workdir);
    return { client, server, workdir, tuning: workerTuning(), timings: { serverStartMs, bundleMs, workersStartMs }, workerFailure, close };
  } catch (err) {
    await close();
    throw err;
  }
}
