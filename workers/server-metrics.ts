import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createMaestroMetrics } from './metrics';
import type { MetricsServer } from './metrics-server';
import { serveWorkerMetrics } from './worker-metrics';

/**
 * `maestro server --metrics HOST:PORT`: runs by state and open gates (from the server's visibility),
 * then the Temporal server's own metrics (its `--metrics-port`, on this machine), and `/healthz`
 * (the frontend answers). The step counters stay at zero here: steps run on the nodes' workers,
 * whose own `--metrics` count them.
 */
export async function serveServerMetrics(options: { endpoint: { host: string; port: number }; address: string; serverMetricsUrl: string; logger: Logger }): Promise<MetricsServer> {
  const connection = await NativeConnection.connect({ address: options.address });
  try {
    const served = await serveWorkerMetrics({
      endpoint: { host: options.endpoint.host, port: options.endpoint.port, coreMetricsUrl: options.serverMetricsUrl },
      metrics: createMaestroMetrics(),
      connection,
      namespace: 'default',
      workers: [],
      orchestrator: true,
      logger: options.logger,
    });
    return {
      url: served.url,
      async close() {
        await served.close();
        await connection.close();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
