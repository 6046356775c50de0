import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { dataConverterFromEnv } from '../client/connection';
import { ORCHESTRATOR_TASK_QUEUE } from '../plan/task-queues';
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
  /** Payload codec and failure converter. Default: from `MAESTRO_PAYLOAD_KEY` (see client/codec.ts). */
  dataConverter?: DataConverter;
}

/** The worker that runs the deployment and service workflows. */
export async function createOrchestratorWorker(options: OrchestratorWorkerOptions): Promise<Worker> {
  const tuning = workerTuning();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: ORCHESTRATOR_TASK_QUEUE,
    identity: `maestro-orchestrator@${process.pid}`,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTaskSlots,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    dataConverter: options.dataConverter ?? dataConverterFromEnv(),
  });
}

/** The workflows entry point, next to this file's compiled or source twin. */
export function workflowsPath(): string {
  return require.resolve('../workflows');
}
