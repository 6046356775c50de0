import { dataConverterFromEnv } from '../connection';
import { RunFailedError } from '../errors';
import { DEFAULT_NODES } from '../../plan/defaults';
import { startEmbeddedFor, type EmbeddedServerCommandOptions } from './embedded';
import { ensureLocalIdentity, loadTrust } from '../identity';

export interface DevCommandOptions extends EmbeddedServerCommandOptions {
  /** Start the demo plan once everything runs. */
  demo?: boolean;
  /** Serve the workers' Prometheus `/metrics` and `/healthz` here. Default: no endpoint. */
  metrics?: { host: string; port: number };
  /** Trust file of the node workers. Default MAESTRO_TRUST, else `.maestro/allowed_signers`, made with a local key on first use. */
  trust?: string;
}

/**
 * `maestro dev`: the embedded Temporal server (SQLite file, Web UI), the orchestrator worker and
 * one worker per node, in this process, until Ctrl-C.
 */
export async function devCommand(options: DevCommandOptions): Promise<void> {
  // Before the SDK runtime is installed: a malformed payload key is invalid input (exit 2), and
  // a process with a runtime would not end by itself.
  const dataConverter = dataConverterFromEnv();
  const { runWorkers } = await import('../../workers/run-workers');
  const { createLogger } = await import('../../workers/logger');
  const { installRuntimeLogger, shutdownRuntime } = await import('../../workers/runtime');
  const { startDemo, stopDemoServers } = await import('../demo');
  const { metricsEndpoint } = await import('../../workers/worker-metrics');
  const logger = createLogger();
  const metrics = options.metrics ? await metricsEndpoint(options.metrics) : undefined;
  // Secure by default with no flag: a local key signs, the local trust file checks.
  const explicitTrust = options.trust ?? process.env.MAESTRO_TRUST;
  const local = explicitTrust ? undefined : ensureLocalIdentity();
  const trustFile = explicitTrust ?? local!.trustPath;
  loadTrust(trustFile);
  if (local?.created) options.output.out(`Local signing key ${local.keyPath} and trust file ${local.trustPath} created (runs from this checkout are signed with it).`);

  // Large payloads are always compressed, and all are encrypted with MAESTRO_PAYLOAD_KEY: the
  // Web UI decodes them through a local codec endpoint.
  const embedded = await startEmbeddedFor(options, options.dbFile, dataConverter, logger);
  const { server, codec, encrypts } = embedded;
  const connection = { address: server.address, namespace: 'default' };
  // A server that dies under us stops the workers and ends `maestro dev` (exit 1), rather than
  // leaving workers that log connection errors forever.
  const serverDied = new AbortController();
  const onServerExit = (code: number | null, signal: NodeJS.Signals | null) => {
    logger.error({ code, signal }, 'the Temporal dev server exited; stopping');
    serverDied.abort(`the Temporal dev server exited (${signal ?? `code ${code}`})`);
  };
  server.process.once('exit', onServerExit);
  try {
    // After the server start: a Runtime keeps the process alive, so a refused start must not have one.
    installRuntimeLogger(logger, { coreMetricsAddress: metrics?.coreMetricsAddress });
    await runWorkers({
      stopSignal: serverDied.signal,
      connection,
      orchestrator: true,
      nodes: DEFAULT_NODES.map((n) => n.name),
      dataConverter,
      logger,
      metrics,
      trust: { file: trustFile },
      onReady: async ({ metricsUrl }) => {
        options.output.out(`Temporal server: ${server.address}`);
        if (server.uiUrl) options.output.out(`Web UI:          ${server.uiUrl}/namespaces/default/workflows`);
        options.output.out(`Payload codec:   ${codec.url} (large payloads compressed${encrypts ? ', all encrypted' : ''}; the Web UI decodes through it)`);
        if (metricsUrl) options.output.out(`Metrics:         ${metricsUrl}/metrics (health: ${metricsUrl}/healthz)`);
        options.output.out(`Trust file:      ${trustFile} (node workers run only steps of plans its keys signed)`);
        options.output.out('Workers polling. Press Ctrl-C to stop.');
        if (options.demo) await startDemo({ connection, uiUrl: server.uiUrl, output: options.output });
      },
    });
  } finally {
    server.process.off('exit', onServerExit);
    if (options.demo) await stopDemoServers();
    await embedded.stop();
    await shutdownRuntime();
  }
  if (serverDied.signal.aborted) throw new RunFailedError(String(serverDied.signal.reason), 'Run `maestro dev` again: runs resume where they were (the SQLite file keeps them).');
}
