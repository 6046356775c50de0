/**
 * The system under test: an embedded dev server (SQLite file in a temp dir, headless, a free
 * port) and the orchestrator worker and one worker per node, all in this process; the node
 * workers start commands through the command launcher (activities/launcher.ts) unless
 * MAESTRO_COMMAND_LAUNCHER=off.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import { sharedLauncher } from '../activities/launcher';
import { maestroDataConverter } from '../connection/codec';
import { DEFAULT_NODES } from '../plan/defaults';
import { freePort, startDevServer, type DevServer } from '../workers/dev-server';
import { createNodeWorker } from '../workers/node-worker';
import { createNodeLivenessWorker } from '../workers/node-liveness';
import { bundleWorkflows, createOrchestratorWorker } from '../workers/orchestrator-worker';
import { workerTuning, type WorkerTuning } from '../workers/worker-options';
import type { StepTrust } from '../activities/step-guard';
import type { SigningKey } from '../trust/sshsig';
import { BENCH_KEY, BENCH_TRUST } from './bench-identity';
import { bundleFloor, createFloorWorkers } from './floor';

export interface BenchCluster {
  client: Client;
  server: DevServer;
  /** Pid of the command launcher, whose CPU and memory count as the workers'. */
  launcherPid?: number;
  /** Working directory of the generated plans (inside the temp dir). */
  workdir: string;
  tuning: WorkerTuning;
  /** The key runs are signed with; none when the nodes run --insecure-unsigned. */
  signing?: { key: SigningKey };
  /** How long setting up took, in ms. */
  timings: { serverStartMs: number; bundleMs: number; workersStartMs: number };
  /** Rejects if a worker stops before `close` (never resolves). */
  workerFailure: Promise<never>;
  /** Stops the workers, the server, and removes the temp dir. */
  close(): Promise<void>;
}

export interface BenchClusterOptions {
  logger: Logger;
  /** Extra `temporal server start-dev` arguments (dynamic config, SQLite pragmas). */
  serverArgs?: string[];
  /** Start the Temporal floor's workers (floor.ts) too: some scenario compares against it. */
  floor?: boolean;
  /** A prebuilt workflow bundle (experiments); default: bundle workflows/ once at start. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Runs signed and every step verified by its node (default), or unsigned with insecure nodes. */
  signed?: boolean;
}

/** Largest gRPC message the bench's client accepts (history pages). */
const HISTORY_PAGE_LIMIT = 256 * 1024 * 1024;

const noop = () => undefined;

type Cleanup = () => Promise<void> | void;

export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-'));
  const cleanups: Cleanup[] = [() => rmSync(dir, { recursive: true, force: true })];
  let closing = false;
  // If the bench dies without closing (an uncaught error, process.exit), its children die too.
  const children: Array<{ kill(signal: NodeJS.Signals): boolean }> = [];
  const onExit = () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const close = async () => {
    closing = true;
    for (const cleanup of cleanups.reverse()) await cleanup();
    process.off('exit', onExit);
  };
  let failWorkers: (err: Error) => void = noop;
  const workerFailure = new Promise<never>((_, reject) => (failWorkers = reject));
  workerFailure.catch(noop);
  // A worker that stops on its own (a fatal error) fails the benchmark instead of hanging it.
  const watch = (what: string, done: Promise<unknown>) =>
    done.then(
      () => closing || failWorkers(new Error(`${what} stopped during the benchmark`)),
      (err: Error) => closing || failWorkers(new Error(`${what} failed: ${err.message}`)),
    );
  try {
    let t = Date.now();
    const server = await startDevServer({ port: await freePort(), headless: true, dbFile: join(dir, 'bench.sqlite'), extraArgs: options.serverArgs, logger: options.logger });
    children.push(server.process);
    cleanups.push(() => server.stop());
    const serverStartMs = Date.now() - t;

    t = Date.now();
    // The product's data converter (gzip for large payloads, encryption with MAESTRO_PAYLOAD_KEY), as `maestro dev` uses it.
    const dataConverter = maestroDataConverter();
    const { failureConverterPath } = dataConverter;
    const workflowBundle = options.workflowBundle ?? (await bundleWorkflows({ failureConverterPath }));
    const floorBundle = options.floor ? await bundleFloor(failureConverterPath) : undefined;
    const bundleMs = Date.now() - t;

    t = Date.now();
    const native = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => native.close());
    const namespace = 'default';
    const signed = options.signed ?? true;
    const trust: StepTrust = signed ? BENCH_TRUST : { mode: 'insecure-unsigned' };
    const workers: Worker[] = [await createOrchestratorWorker({ connection: native, namespace, workflowBundle, dataConverter })];
    for (const node of DEFAULT_NODES) {
      const stepWorker = await createNodeWorker({ connection: native, namespace, node: node.name, logger: options.logger.child({ node: node.name }), dataConverter, trust });
      workers.push(stepWorker, await createNodeLivenessWorker({ connection: native, namespace, node: node.name, stepWorker, dataConverter }));
    }
    if (floorBundle) workers.push(...(await createFloorWorkers(native, namespace, dataConverter, floorBundle)));
    const tuning = workerTuning();
    const launcherPid = tuning.commandLauncher ? await startLauncher() : undefined;
    const running = workers.map((w) => w.run());
    running.forEach((run) => void watch('a worker', run));
    cleanups.push(async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
    });
    const workersStartMs = Date.now() - t;

    // A 1,000-service parent's history comes in pages larger than gRPC's 4 MiB default.
    const connection = await Connection.connect({ address: server.address, channelArgs: { 'grpc.max_receive_message_length': HISTORY_PAGE_LIMIT } });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace, dataConverter });
    const workdir = join(dir, 'work');
    mkdirSync(workdir);
    return { client, server, launcherPid, workdir, tuning, ...(signed ? { signing: { key: BENCH_KEY } } : {}), timings: { serverStartMs, bundleMs, workersStartMs }, workerFailure, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the shared command launcher now (it starts with the first command), so its pid can be watched. */
async function startLauncher(): Promise<number | undefined> {
  const launcher = sharedLauncher();
  const started = await launcher.spawn({ file: 'true', args: [], cwd: tmpdir(), env: process.env }, noop);
  if ('error' in started) throw new Error(`the command launcher could not run true: ${started.error.message}`);
  await started.closed;
  return launcher.hostPid;
}
