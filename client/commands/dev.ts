import { AesGcmPayloadCodec } from '../../connection/codec';
import { dataConverterFromEnv } from '../connection';
import { RunFailedError } from '../errors';
import { DEFAULT_NODES } from '../../plan/defaults';
import type { Output } from '../output';

export interface DevCommandOptions {
  output: Output;
  /** gRPC port of the embedded server. Default 7233. */
  port: number;
  /** Web UI port. Default port + 1000. */
  uiPort?: number;
  /** SQLite file of the embedded server. Default `.maestro/data/dev.sqlite`. */
  dbFile?: string;
  /** Start the demo plan once everything runs. */
  demo?: boolean;
  /** Serve the workers' Prometheus `/metrics` and `/healthz` here. Default: no endpoint. */
  metrics?: { host: string; port: number };
}

/**
 * `maestro dev`: the embedded Temporal server (SQLite file, Web UI), the orchestrator worker and
 * one worker per node, in this process, until Ctrl-C.
 */
export async function devCommand(options: DevCommandOptions): Promise<void> {
  // Before the SDK runtime is installed: a malformed payload key is invalid input (exit 2), and
  // a process with a runtime would not end by itself.
  const dataConverter = dataConverterFromEnv();
  const { startDevServer } = await import('../../workers/dev-server');
  const { runWorkers } = await import('../../workers/run-workers');
  const { createLogger } = await import('../../workers/logger');
  const { installRuntimeLogger } = await import('../../workers/runtime');
  const { startDemo, stopDemoServers } = await import('../demo');
  const { startCodecServer } = await import('../../workers/codec-server');
  const { metricsEndpoint } = await import('../../workers/worker-metrics');
  const logger = createLogger();
  const metrics = options.metrics ? await metricsEndpoint(options.metrics) : undefined;
  installRuntimeLogger(logger, { coreMetricsAddress: metrics?.coreMetricsAddress });

  // Large payloads are always compressed, and all are encrypted with MAESTRO_PAYLOAD_KEY: the
  // Web UI decodes them through a local codec endpoint.
  const codecs = dataConverter.payloadCodecs ?? [];
  const encrypts = codecs.some((c) => c instanceof AesGcmPayloadCodec && c.encrypts);
  const uiPort = options.uiPort ?? options.port + 1000;
  const uiOrigins = [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  const codecServer = await startCodecServer({ codecs, uiOrigins, logger });
  const server = await startDevServer({ port: options.port, uiPort, dbFile: options.dbFile, logger, uiCodecEndpoint: codecServer?.url }).catch(async (err: unknown) => {
    await codecServer.close();
    throw err;
  });
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
    await runWorkers({
      stopSignal: serverDied.signal,
      connection,
      orchestrator: true,
      nodes: DEFAULT_NODES.map((n) => n.name),
      dataConverter,
      logger,
      metrics,
      onReady: async ({ metricsUrl }) => {
        options.output.out(`Temporal server: ${server.address}`);
        if (server.uiUrl) options.output.out(`Web UI:          ${server.uiUrl}/namespaces/default/workflows`);
        options.output.out(`Payload codec:   ${codecServer.url} (large payloads compressed${encrypts ? ', all encrypted' : ''}; the Web UI decodes through it)`);
        if (metricsUrl) options.output.out(`Metrics:         ${metricsUrl}/metrics (health: ${metricsUrl}/healthz)`);
        options.output.out('Workers polling. Press Ctrl-C to stop.');
        if (options.demo) await startDemo({ connection, uiUrl: server.uiUrl, output: options.output });
      },
    });
  } finally {
    server.process.off('exit', onServerExit);
    if (options.demo) await stopDemoServers();
    await server.stop();
    await codecServer.close();
  }
  if (serverDied.signal.aborted) throw new RunFailedError(String(serverDied.signal.reason), 'Run `maestro dev` again: runs resume where they were (the SQLite file keeps them).');
}
