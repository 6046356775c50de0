import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import type { StepTrust } from '../activities/step-guard';
import { sharedLauncher } from '../activities/launcher';
import { inlineSpawner } from '../activities/spawn';
import { maestroDataConverter } from '../connection/codec';
import { nodeTaskQueue } from '../plan/task-queues';
import type { MaestroMetrics } from './metrics';
import { stepMetricsInterceptor } from './step-metrics';
import { workerIdentity } from './identity';
import { workerTuning } from './worker-options';

export interface NodeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** The node this worker runs steps for; it polls that node's task queue. */
  node: string;
  logger: Logger;
  /** What the node may run: steps of plans signed by keys of its trust file, or anything (insecure). */
  trust: StepTrust;
  /** Where `fromEnv` secrets are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Payload codec and failure converter. Default: from `MAESTRO_PAYLOAD_KEY` (see connection/codec.ts). */
  dataConverter?: DataConverter;
  /** Counts and times step attempts (`--metrics`). Default: none. */
  metrics?: MaestroMetrics;
}

/** In the identity of a node worker that runs unsigned steps. */
export const INSECURE_MARK = '(INSECURE: runs unsigned steps)';

/** A worker that runs the steps routed to one node. */
export async function createNodeWorker(options: NodeWorkerOptions): Promise<Worker> {
  const tuning = workerTuning();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: nodeTaskQueue(options.node),
    // Shown by `maestro nodes`: a node that runs unsigned steps is never silent about it.
    identity: workerIdentity(`node:${options.node}`) + (options.trust.mode === 'insecure-unsigned' ? ` ${INSECURE_MARK}` : ''),
    activities: createActivities({
      logger: options.logger,
      nodeName: options.node,
      trust: options.trust,
      env: options.env,
      spawn: tuning.commandLauncher ? sharedLauncher().spawn : inlineSpawner,
    }),
    maxConcurrentActivityTaskExecutions: tuning.nodeActivitySlots,
    // A stopping worker (systemctl stop, an upgrade) lets running steps finish instead of cancelling them.
    shutdownGraceTime: tuning.shutdownGraceMs,
    dataConverter: options.dataConverter ?? maestroDataConverter(),
    ...(options.metrics ? { interceptors: { activity: [stepMetricsInterceptor(options.metrics, options.node)] } } : {}),
  });
}
