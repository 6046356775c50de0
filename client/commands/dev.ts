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
  /** Nodes to run workers for. Default the three-node cluster. */
  nodes?: string[];
}

export const DEFAULT_DEV_NODES = ['mac-studio', 'macbook-air', 'macpro51'];

/**
 * `maestro dev`: the embedded Temporal server (SQLite file, Web UI), the orchestrator worker and
 * one worker per node, in this process, until Ctrl-C.
 */
export async function devCommand(options: DevCommandOptions): Promise<void> {
  const { startDevServer } = await import('../../workers/dev-server');
  const { runWorkers } = await import('../../workers/run-workers');
  const { createLogger } = await import('../../workers/logger');
  const { installRuntimeLogger } = await import('../../workers/runtime');
  const { startDemo, stopDemoServers } = await import('../demo');
  const logger = createLogger();
  installRuntimeLogger(logger);

  const server = await startDevServer({ port: options.port, uiPort: options.uiPort, dbFile: options.dbFile, logger });
  const connection = { address: server.address, namespace: 'default' };
  try {
    await runWorkers({
      connection,
      orchestrator: true,
      nodes: options.nodes ?? DEFAULT_DEV_NODES,
      logger,
      onReady: async () => {
        options.output.out(`Temporal server: ${server.address}`);
        if (server.uiUrl) options.output.out(`Web UI:          ${server.uiUrl}/namespaces/default/workflows`);
        options.output.out('Workers polling. Press Ctrl-C to stop.');
        if (options.demo) await startDemo({ connection, uiUrl: server.uiUrl, output: options.output });
      },
    });
  } finally {
    if (options.demo) await stopDemoServers();
    await server.stop();
  }
}
