import type { ChildProcess } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { dataConverterFromEnv } from '../connection';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { startEmbeddedFor, type EmbeddedServerCommandOptions } from './embedded';

export interface ServerCommandOptions extends EmbeddedServerCommandOptions {
  /** Serve `/metrics` (runs by state, open gates, then the Temporal server's own metrics) and `/healthz` here. Default: no endpoint. */
  metrics?: { host: string; port: number };
}

/**
 * `maestro server`: the cluster's Temporal server on this machine — the pinned dev server with a
 * SQLite file, Maestro's search attributes and the Web UI with the codec endpoint — until
 * SIGINT/SIGTERM. No workers: those run on the nodes.
 */
export async function serverCommand(options: ServerCommandOptions): Promise<void> {
  const { createLogger } = await import('../../workers/logger');
  const { maestroHome } = await import('../../workers/temporal-binaries');
  const logger = createLogger();
  const dataConverter = dataConverterFromEnv();
  const dbFile = options.dbFile ?? join(maestroHome(), 'data', 'server.sqlite');
  const { freePort } = await import('../../workers/dev-server');
  // The server's own Prometheus endpoint (on this machine); ours serves it after Maestro's gauges.
  const serverMetricsPort = options.metrics ? await freePort() : undefined;
  const embedded = await startEmbeddedFor(options, dbFile, dataConverter, logger, serverMetricsPort ? ['--metrics-port', String(serverMetricsPort)] : undefined);
  const { server, codec } = embedded;
  let metrics: { url: string; close(): Promise<void> } | undefined;
  try {
    if (options.metrics && serverMetricsPort) {
      const { serveServerMetrics } = await import('../../workers/server-metrics');
      metrics = await serveServerMetrics({ endpoint: options.metrics, address: server.address, serverMetricsUrl: `http://${metricsHost(options.ip ?? '127.0.0.1')}:${serverMetricsPort}/metrics`, logger });
    }
    const out = (line: string) => options.output.out(line);
    const ip = options.ip ?? '127.0.0.1';
    const addresses = reachableAddresses(ip, options.port);
    out(`Temporal server: listening on ${ip}:${options.port}, runs kept in ${dbFile}`);
    out(`On every node:   export TEMPORAL_ADDRESS=${addresses[0]}${addresses.length > 1 ? `   (or ${addresses.slice(1).join(', ')})` : ''}`);
    if (isLoopback(ip)) out(`                 (${ip} is this machine only: pass --ip <LAN or tailnet address> for other machines to reach it)`);
    if (server.uiUrl) out(`Web UI:          ${server.uiUrl}/namespaces/default/workflows`);
    out(`Payload codec:   ${codec.url} (the Web UI decodes payloads through it)`);
    out('No TLS: this server accepts anyone who reaches the address, in clear text. Keep it on a private network');
    out('(LAN, tailnet); for TLS use Temporal with mTLS (docs/production.md) or Temporal Cloud.');
    if (metrics) out(`Metrics:         ${metrics.url}/metrics (health: ${metrics.url}/healthz)`);
    out('Search attributes registered; Ctrl-C stops the server.');
    await untilStopped(server.process);
  } finally {
    await metrics?.close();
    await embedded.stop();
  }
}

/**
 * Where this machine reaches the server's metrics port: the server binds it on its own --ip, which
 * is 127.0.0.1 for a wildcard and for one other address too (that one is forwarded, dev-server.ts).
 */
function metricsHost(ip: string): string {
  return ip === '::' ? '[::1]' : '127.0.0.1';
}

function isLoopback(ip: string): boolean {
  return ip === 'localhost' || ip === '::1' || ip.startsWith('127.');
}

/** What nodes should put in TEMPORAL_ADDRESS: the address itself, or for a wildcard every external address of this machine. */
function reachableAddresses(ip: string, port: number): string[] {
  if (ip !== '0.0.0.0' && ip !== '::') return [`${ip}:${port}`];
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && !i.internal && i.family === 'IPv4')
    .map((i) => `${i!.address}:${port}`);
  return external.length ? external : [`127.0.0.1:${port}`];
}

/** Resolves on SIGINT/SIGTERM; rejects if the server process dies on its own. */
function untilStopped(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      child.off('exit', died);
      resolve();
    };
    const died = (code: number | null, signal: string | null) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      reject(new CliError(`the Temporal server exited (${signal ?? `code ${code}`})`, EXIT.runFailed));
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    child.once('exit', died);
  });
}
