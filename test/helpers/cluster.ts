import type { DataConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { maestroDataConverter } from '../../connection/codec';
import { DEFAULT_NODES } from '../../plan/defaults';
import { createLogger } from '../../workers/logger';
import type { StepTrust } from '../../activities/step-guard';
import { createNodeWorker } from '../../workers/node-worker';
import { createNodeLivenessWorker } from '../../workers/node-liveness';
import { testStepTrust } from './test-identity';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker';
import { workflowBundle, type TemporalTarget } from './temporal-env';

export const DEFAULT_NODE_NAMES = DEFAULT_NODES.map((n) => n.name);

export interface TestCluster {
  workers: Map<string, Worker>;
  /** Stops one node's workers (steps and liveness: a node going down); resolves when they have stopped. */
  stopNode(node: string): Promise<void>;
  /** Starts a (new) worker for `node`. */
  startNode(node: string): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ClusterOptions {
  /** Nodes to run a worker for. Default the three-node cluster. */
  nodes?: string[];
  /** Added to the node workers' environment (`fromEnv` values). */
  secrets?: NodeJS.ProcessEnv;
  /** Payload codec and failure converter of every worker. Default: from `MAESTRO_PAYLOAD_KEY`. */
  dataConverter?: DataConverter;
  /** Root logger of the node workers. Default: pino at `LOG_LEVEL` or error. */
  logger?: Logger;
  /** What the node workers may run. Default: steps signed by the test identity (test-identity.ts). */
  trust?: StepTrust;
  /** Start the orchestrator worker. Default true; false leaves the orchestrator queue to the test's own worker. */
  orchestrator?: boolean;
}

/** Key of a node's liveness worker in `TestCluster.workers` (`/` is in no node name). */
export const livenessKey = (node: string) => `${node}/alive`;

/** The orchestrator and one worker per node, polling until `shutdown`, all in this process. */
export async function startCluster(env: TemporalTarget, options: ClusterOptions = {}): Promise<TestCluster> {
  const logger = options.logger ?? createLogger({ level: process.env.LOG_LEVEL ?? 'error', pretty: false });
  const dataConverter = options.dataConverter ?? maestroDataConverter();
  const trust = options.trust ?? testStepTrust();
  const connection = env.nativeConnection;
  const namespace = env.namespace ?? 'default';
  const workers = new Map<string, Worker>();
  const running = new Map<string, Promise<void>>();
  const launch = (name: string, worker: Worker) => {
    workers.set(name, worker);
    running.set(name, worker.run());
  };
  const startNode = async (node: string) => {
    const stepWorker = await createNodeWorker({ connection, namespace, node, logger, env: { ...process.env, ...options.secrets }, dataConverter, trust });
    launch(node, stepWorker);
    launch(livenessKey(node), await createNodeLivenessWorker({ connection, namespace, node, stepWorker, dataConverter }));
  };
  if (options.orchestrator !== false) {
    const bundle = await workflowBundle({ failureConverterPath: dataConverter.failureConverterPath });
    launch('orchestrator', await createOrchestratorWorker({ connection, namespace, workflowBundle: bundle, dataConverter, env: { ...process.env, ...options.secrets } }));
  }
  for (const node of options.nodes ?? DEFAULT_NODE_NAMES) await startNode(node);
  const stop = async (name: string) => {
    const worker = workers.get(name);
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await running.get(name);
    workers.delete(name);
    running.delete(name);
  };
  return {
    workers,
    stopNode: async (node) => {
      await Promise.all([stop(node), stop(livenessKey(node))]);
    },
    startNode,
    async shutdown() {
      await Promise.all([...workers.keys()].map(stop));
    },
  };
}
