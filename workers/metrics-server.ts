import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { MaestroMetrics } from './metrics';

/** What `/healthz` answers; `ok` is false (HTTP 503) when any part is not. */
export interface Health {
  ok: boolean;
  /** The worker's connection to Temporal answers within 2 s. */
  connected: boolean;
  /** Each worker's task queue and state; every one must be RUNNING (polling). */
  workers: Array<{ taskQueue: string; state: string }>;
  /** The command launcher of node workers (absent on an orchestrator-only process). */
  launcher?: { state: 'idle' | 'running' | 'exited'; pid?: number; exits: number };
}

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  metrics: MaestroMetrics;
  /** Where Core's own Prometheus exporter listens (loopback); its text is served after Maestro's. */
  coreMetricsUrl?: string;
  /** Refreshes the gauges that are read on demand (runs by state, launcher). */
  collect(): Promise<void>;
  health(): Promise<Health>;
  logger: Logger;
}

export interface MetricsServer {
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

const CORE_TIMEOUT_MS = 2_000;

async function coreMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(CORE_TIMEOUT_MS) });
    return await response.text();
  } catch (err) {
    // A scrape still gets Maestro's metrics; the comment says why the SDK's are missing.
    return `# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
  }
}

/** Serves `/metrics` (Prometheus text: Maestro's metrics, then the SDK's) and `/healthz` (JSON). */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry } = options.metrics;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = async () => {
      if (req.method !== 'GET') return res.writeHead(405).end();
      if (path === '/metrics') {
        await options.collect();
        const [own, core] = await Promise.all([registry.metrics(), coreMetrics(options.coreMetricsUrl)]);
        return res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${core}`);
      }
      if (path === '/healthz') {
        const health = await options.health();
        return res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(health)}\n`);
      }
      return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    };
    answer().catch((err: unknown) => {
      options.logger.warn({ err, path }, 'metrics endpoint failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
