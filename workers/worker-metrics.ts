import { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { CommandLauncher } from '../activities/launcher';
import { RUN_STATES } from '../workflows/progress';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { MaestroMetrics } from './metrics';
import { freePort } from './dev-server';
import { startMetricsServer, type Health, type MetricsServer } from './metrics-server';

/** `--metrics HOST:PORT`; `coreMetricsUrl` is where this process's Core exporter listens (see runtime.ts). */
export interface MetricsEndpoint {
  host: string;
  port: number;
  coreMetricsUrl?: string;
}

const CONNECTED_TIMEOUT_MS = 2_000;
/** Visibility counts are cached this long, so frequent scrapes cost the server nothing more. */
const RUNS_CACHE_MS = 5_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Serves the workers' metrics and health: step counters come from the node workers' interceptor
 * (step-metrics.ts); runs by state and open gates from Temporal visibility when this process runs
 * the orchestrator; the launcher's state from the launcher itself.
 */
export async function serveWorkerMetrics(options: {
  endpoint: MetricsEndpoint;
  metrics: MaestroMetrics;
  connection: NativeConnection;
  namespace: string;
  workers: Worker[];
  orchestrator: boolean;
  launcher?: CommandLauncher;
  logger: Logger;
}): Promise<MetricsServer> {
  const { metrics, logger } = options;
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  let countedAt = 0;

  const countRuns = async () => {
    if (!options.orchestrator || Date.now() - countedAt < RUNS_CACHE_MS) return;
    countedAt = Date.now();
    try {
      const counts = await Promise.all(
        RUN_STATES.map((state) => client.workflow.count(`WorkflowType = 'deploymentWorkflow' AND ${SEARCH_ATTRIBUTES.state.name} = '${state}'`)),
      );
      RUN_STATES.forEach((state, i) => metrics.runs.set({ state }, counts[i]!.count));
      metrics.gatesOpen.set(counts[RUN_STATES.indexOf('awaiting-approval')]!.count);
    } catch (err) {
      // Without visibility the gauges would lie: drop them until it answers again.
      metrics.runs.reset();
      metrics.gatesOpen.reset();
      logger.warn({ err }, 'runs by state: Temporal visibility did not answer');
    }
  };

  const launcherHealth = () => options.launcher?.health();

  const collect = async () => {
    const launcher = launcherHealth();
    if (launcher) {
      metrics.launcherUp.set(launcher.state === 'exited' ? 0 : 1);
      metrics.launcherExits.set(launcher.exits);
    }
    await countRuns();
  };

  const health = async (): Promise<Health> => {
    const connected = await withTimeout(options.connection.workflowService.getSystemInfo({}), CONNECTED_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    const workers = options.workers.map((w) => ({ taskQueue: w.options.taskQueue, state: w.getState() }));
    const launcher = launcherHealth();
    const ok = connected && workers.every((w) => w.state === 'RUNNING') && launcher?.state !== 'exited';
    return { ok, connected, workers, ...(launcher ? { launcher } : {}) };
  };

  return startMetricsServer({ host: options.endpoint.host, port: options.endpoint.port, metrics, coreMetricsUrl: options.endpoint.coreMetricsUrl, collect, health, logger });
}

/** The endpoint of `--metrics host:port`, and a loopback port for Core's exporter (install it with runtime.ts). */
export async function metricsEndpoint(listen: { host: string; port: number }): Promise<MetricsEndpoint & { coreMetricsAddress: string }> {
  const corePort = await freePort();
  const coreMetricsAddress = `127.0.0.1:${corePort}`;
  return { ...listen, coreMetricsAddress, coreMetricsUrl: `http://${coreMetricsAddress}/metrics` };
}
