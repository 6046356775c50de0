import type { DataConverter } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { maestroDataConverter } from '../connection/codec';
import { connectionOptions, type ConnectionSettings } from '../connection/settings';
import type { StepTrust } from '../activities/step-guard';
import { createNodeWorker } from './node-worker';
import { createNodeLivenessWorker } from './node-liveness';
import { createPresenceWorker, presenceIdentity } from './presence-worker';
import { sharedLauncher } from '../activities/launcher';
import { createMaestroMetrics } from './metrics';
import type { MetricsServer } from './metrics-server';
import { WatchedTrustFile } from './trust-file';
import { createOrchestratorWorker } from './orchestrator-worker';
import { workerTuning } from './worker-options';
import { serveWorkerMetrics, type MetricsEndpoint } from './worker-metrics';
import { PrepareError, prepareNamespace } from './prepare-namespace';

export interface RunWorkersOptions {
  connection: ConnectionSettings;
  /** Run the orchestrator worker (workflows). */
  orchestrator: boolean;
  /** Run a node worker for each of these nodes. */
  nodes: string[];
  logger: Logger;
  /**
   * What the node workers may run: steps of plans signed by a key of this trust file
   * (allowed_signers; watched, and re-read on SIGHUP), or — `insecureUnsigned` — anything.
   */
  trust?: { file: string } | { insecureUnsigned: true };
  /** Payload codec and failure converter of every worker. Default: from `MAESTRO_PAYLOAD_KEY` (see connection/codec.ts). */
  dataConverter?: DataConverter;
  /** Called once every worker polls, with the metrics endpoint's URL when there is one. */
  onReady?: (ready: { metricsUrl?: string }) => void | Promise<void>;
  /** Serve `/metrics` and `/healthz` here (`--metrics HOST:PORT`). Default: no endpoint. */
  metrics?: MetricsEndpoint;
  /** Stops the workers like SIGTERM does when aborted (`maestro dev` when its server dies). */
  stopSignal?: AbortSignal;
}

/**
 * Runs the requested workers until SIGINT/SIGTERM, then drains them: in-flight activities get
 * the worker's shutdown grace time, and the process exits only after every worker stopped.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { logger } = options;
  // Before connecting: a malformed key is the operator's to fix, not a connection problem.
  const dataConverter = options.dataConverter ?? maestroDataConverter();
  const trustFile = options.trust && 'file' in options.trust ? new WatchedTrustFile(options.trust.file, logger).watch() : undefined;
  if (options.nodes.length && !options.trust) throw new Error('node workers need a trust file (or insecureUnsigned)');
  const trust: StepTrust = trustFile ? trustFile.asStepTrust() : { mode: 'insecure-unsigned' };
  if (options.nodes.length && trust.mode === 'insecure-unsigned') {
    logger.warn({ nodes: options.nodes }, 'INSECURE: these node workers run any step, signed or not (--insecure-unsigned); anyone who can reach Temporal can run commands here');
  }
  const onHangUp = () => trustFile?.reload();
  process.on('SIGHUP', onHangUp);
  const connection = await NativeConnection.connect(connectionOptions(options.connection));
  const namespace = options.connection.namespace;
  const metrics = options.metrics ? createMaestroMetrics() : undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    const workers: Worker[] = [];
    if (options.orchestrator) await prepareOrRefuse(connection, namespace, logger);
    if (options.orchestrator) workers.push(await createOrchestratorWorker({ connection, namespace, dataConverter, logger: logger.child({ worker: 'orchestrator' }) }));
    const stepWorkers: Worker[] = [];
    for (const node of options.nodes) {
      const stepWorker = await createNodeWorker({ connection, namespace, node, logger: logger.child({ node }), dataConverter, metrics, trust });
      stepWorkers.push(stepWorker);
      workers.push(stepWorker, await createNodeLivenessWorker({ connection, namespace, node, stepWorker, dataConverter }));
    }
    // The process's nodes show themselves on the shared nodes queue (`maestro nodes` finds them there).
    const presence = stepWorkers.length ? [await createPresenceWorker({ connection, namespace, identity: presenceIdentity(options.nodes, stepWorkers[0]!.options.identity) })] : [];
    if (options.metrics && metrics) {
      const launcher = options.nodes.length > 0 && workerTuning().commandLauncher ? sharedLauncher() : undefined;
      metricsServer = await serveWorkerMetrics({ endpoint: options.metrics, metrics, connection, namespace, workers, orchestrator: options.orchestrator, launcher, logger });
    }
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down workers');
      for (const worker of [...workers, ...presence]) if (worker.getState() === 'RUNNING') worker.shutdown();
    };
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    const onAbort = () => stop(String(options.stopSignal?.reason ?? 'stop requested'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (options.stopSignal?.aborted) onAbort();
    options.stopSignal?.addEventListener('abort', onAbort, { once: true });
    try {
      const running = Promise.all([...workers, ...presence].map((worker) => worker.run()));
      logger.info({ address: options.connection.address, namespace, orchestrator: options.orchestrator, nodes: options.nodes, metrics: metricsServer?.url }, 'workers polling');
      await options.onReady?.({ metricsUrl: metricsServer?.url });
      await running;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      options.stopSignal?.removeEventListener('abort', onAbort);
    }
  } finally {
    await metricsServer?.close();
    process.off('SIGHUP', onHangUp);
    trustFile?.close();
    await connection.close();
  }
}

/**
 * The orchestrator registers Maestro's search attributes where it may (a server started without
 * them, after an upgrade that added one); where it may not (Temporal Cloud, a restricted role) it
 * says so and runs on, since `maestro init` may have done it with other credentials. An unknown
 * namespace stops it: nothing could run there.
 */
async function prepareOrRefuse(connection: NativeConnection, namespace: string, logger: Logger): Promise<void> {
  try {
    const result = await prepareNamespace(connection, { namespace });
    if (result.added.length) logger.info({ namespace, added: result.added }, 'registered search attributes');
  } catch (err) {
    if (err instanceof PrepareError && err.kind === 'permission-denied') {
      logger.warn({ namespace, reason: err.message }, 'could not register search attributes: if runs fail to start, run `maestro init` with credentials that may');
      return;
    }
    throw err;
  }
}
