import type { ConnectionSettings } from '../../connection/settings';
import { dataConverterFromEnv } from '../connection';
import { InvalidInputError } from '../errors';
import { prepareErrorToCli } from './init';
import { temporalErrorToCli } from '../temporal-errors';
import { connectFailure } from '../connection';
import { assertNodesDescribeThisMachine } from '../node-check';
import { loadTrust } from '../identity';

export interface WorkerCommandOptions {
  connection: ConnectionSettings;
  /** Run the steps routed to this node. */
  node?: string[];
  /** Run the workflows (deployment and service). */
  orchestrator?: boolean;
  /** Serve Prometheus `/metrics` and `/healthz` here. Default: no endpoint. */
  metrics?: { host: string; port: number };
  /** Cluster file whose os/arch the node workers' machine must match. Default: MAESTRO_CLUSTER, else `maestro.cluster.yaml` here, else no check. */
  clusterFile?: string;
  /** Trust file of the node workers (`--trust`, else MAESTRO_TRUST). Required for `--node` unless insecureUnsigned. */
  trust?: string;
  /** Run any step, signed or not (`--insecure-unsigned`). */
  insecureUnsigned?: boolean;
}

/** `maestro worker`: runs this machine's workers until SIGINT/SIGTERM. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const nodes = options.node ?? [];
  if (!options.orchestrator && nodes.length === 0) {
    throw new InvalidInputError('nothing to run', 'Pass --node NAME (repeatable), --orchestrator, or both.');
  }
  await assertNodesDescribeThisMachine(nodes, options.clusterFile ?? (process.env.MAESTRO_CLUSTER || undefined));
  const trustFile = options.trust ?? process.env.MAESTRO_TRUST;
  if (nodes.length && !trustFile && !options.insecureUnsigned) {
    throw new InvalidInputError(
      'a node worker needs a trust file: it runs only steps of plans signed by keys listed there',
      'Pass --trust FILE or set MAESTRO_TRUST (OpenSSH allowed_signers: NAME namespaces="maestro-plan,maestro-approval" ssh-ed25519 AAAA…); --insecure-unsigned runs anything (test rigs only).',
    );
  }
  if (trustFile && options.insecureUnsigned) throw new InvalidInputError('give either --trust or --insecure-unsigned, not both');
  // Before loading the workers: a malformed trust file or payload key is invalid input (exit 2).
  if (trustFile) loadTrust(trustFile);
  const dataConverter = dataConverterFromEnv();
  // Loaded lazily: the worker's native runtime is not needed by the other commands.
  const { runWorkers } = await import('../../workers/run-workers');
  const { createLogger } = await import('../../workers/logger');
  const { installRuntimeLogger, shutdownRuntime } = await import('../../workers/runtime');
  const { metricsEndpoint } = await import('../../workers/worker-metrics');
  const logger = createLogger();
  const trust = trustFile ? { file: trustFile } : options.insecureUnsigned ? { insecureUnsigned: true as const } : undefined;
  const metrics = options.metrics ? await metricsEndpoint(options.metrics) : undefined;
  installRuntimeLogger(logger, { coreMetricsAddress: metrics?.coreMetricsAddress });
  try {
    await runWorkers({ connection: options.connection, orchestrator: Boolean(options.orchestrator), nodes, logger, dataConverter, metrics, trust });
  } catch (err) {
    throw await workerErrorToCli(err, options.connection);
  } finally {
    await shutdownRuntime();
  }
}

/** A worker that cannot connect or start says why through the CLI's formatter, like every command. */
async function workerErrorToCli(err: unknown, settings: ConnectionSettings): Promise<unknown> {
  // Core reports an unknown namespace as a TransportError too.
  if (err instanceof Error && err.name === 'TransportError' && !/namespace \S+ (was|is) not found/i.test(err.message)) return connectFailure(err, settings);
  return temporalErrorToCli(prepareErrorToCli(err, settings), settings);
}
