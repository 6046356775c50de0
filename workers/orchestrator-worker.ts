import type { DataConverter } from '@temporalio/common';
import { Worker, bundleWorkflowCode, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import { createNotifyActivities } from '../activities/notify';
import { maestroDataConverter } from '../connection/codec';
import { ORCHESTRATOR_TASK_QUEUE } from '../plan/task-queues';
import { workerIdentity } from './identity';
import { workerTuning } from './worker-options';

export interface OrchestratorWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /**
   * A prebuilt workflow bundle (tests and benchmarks build it once); default: bundle at start.
   * Build it with the data converter's `failureConverterPath`, or encrypted runs keep failure
   * messages in plain text.
   */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Payload codec and failure converter. Default: from `MAESTRO_PAYLOAD_KEY` (see connection/codec.ts). */
  dataConverter?: DataConverter;
  /** Where notification deliveries log. Default: silent. */
  logger?: Logger;
  /** Where `fromEnv` webhook URLs are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The worker that runs the deployment and service workflows, and delivers their notifications. */
export async function createOrchestratorWorker(options: OrchestratorWorkerOptions): Promise<Worker> {
  const tuning = workerTuning();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    identity: workerIdentity('orchestrator'),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTaskSlots,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    // Missing from WorkerOptions' type ("not exposed at the moment"), yet the SDK takes it from the options given.
    ...({ isolateExecutionTimeout: tuning.workflowTimeLimitMs } as object),
    dataConverter: options.dataConverter ?? maestroDataConverter(),
    activities: createNotifyActivities({ logger: options.logger ?? silentLogger, env: options.env }),
  });
}

/** The workflows entry point, next to this file's compiled or source twin. */
export function workflowsPath(): string {
  return require.resolve('../workflows');
}

const noop = () => undefined;
/** For workers made without a logger (tests, the bench): deliveries log nothing of their own. */
const silentLogger = pino({ enabled: false });
/** webpack's progress is noise; its errors are not. */
const quietBundler = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

/**
 * Bundles workflows once, for workers and replayers that are handed the bundle (tests, the
 * bench). `failureConverterPath` must be the data converter's, or encrypted runs keep failure
 * messages in plain text.
 */
export function bundleWorkflows(options: { workflowsPath?: string; failureConverterPath?: string } = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: options.workflowsPath ?? workflowsPath(), failureConverterPath: options.failureConverterPath, logger: quietBundler });
}
