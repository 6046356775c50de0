import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from 'pino';

const SDK_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

const EXPECTED_TOPOLOGY_NOTICES = ['No workflows registered', 'No activities registered', 'No Nexus services registered'];

/** The SDK filters before pino sees a record, so it gets pino's level (Core stays at WARN: its debug is a flood). */
function sdkLevel(level: string): LogLevel {
  const levels: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN' };
  return levels[level] ?? 'ERROR';
}

let installed = false;

/**
 * Routes the Temporal SDK's and Core's logs into `logger`. Must run once per process, before
 * anything creates a Runtime (a Worker, a NativeConnection, a test environment). With
 * `coreMetricsAddress` (host:port), Core also exports the SDK's metrics there.
 */
export function installRuntimeLogger(logger: Logger, options: { coreMetricsAddress?: string } = {}): Runtime {
  if (installed) return Runtime.instance();
  installed = true;
  return Runtime.install({
    logger: new DefaultLogger(sdkLevel(logger.level), (entry) => {
      const { error, ...rest } = (entry.meta ?? {}) as LogMetadata & { error?: unknown };
      // pino serializes errors found under `err`.
      const record = error === undefined ? rest : { ...rest, err: error };
      // Node workers register no workflows and the orchestrator no activities, by design.
      const level = EXPECTED_TOPOLOGY_NOTICES.some((m) => entry.message.startsWith(m)) ? 'debug' : SDK_TO_PINO[entry.level];
      logger[level]({ sdk: true, ...record }, entry.message);
    }),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      // Core serves the SDK's metrics on loopback; the metrics endpoint (metrics-server.ts) re-serves them beside Maestro's.
      ...(options.coreMetricsAddress ? { metrics: { prometheus: { bindAddress: options.coreMetricsAddress, useSecondsForDurations: true } } } : {}),
    },
  });
}

/**
 * Shuts the runtime down if this process installed one: a Runtime keeps the process alive, so a
 * command that fails after installing it would never exit.
 */
export async function shutdownRuntime(): Promise<void> {
  if (installed) await Runtime.instance().shutdown();
}
