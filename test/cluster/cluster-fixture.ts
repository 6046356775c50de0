import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_NODE_NAMES } from '../helpers/cluster';
import { killSpawned, spawnTracked, untilReady, workersPolling, type Spawned } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';
import { signingEnv, type ClusterTrust } from './cluster-trust';
import { createNetwork, type TestNetwork } from './netns';

/**
 * The pieces of a cluster as separate processes, each in the network namespace of the machine it
 * stands for: the Temporal server on `server`, the orchestrator on mac-studio, one
 * `maestro worker --node X` per node, the operator's CLI on `cli`. Nothing listens on the
 * machine's own stack; the test talks to the cluster only through the CLI namespace.
 * Every node worker runs with `--trust` (its own copy of the trust file): only plans and approvals
 * signed by the operator's ssh-keygen key, which the CLI namespace holds, take effect on a node.
 */

const ROOT = join(__dirname, '..', '..');
const MAESTRO_BIN = join(ROOT, 'bin', 'maestro.js');
export const HOSTS = ['server', 'cli', ...DEFAULT_NODE_NAMES] as const;
export const FRONTEND_PORT = 7233;

/** Connection flags every process of the cluster passes (address, TLS files). */
export type ConnectFlags = (host: string) => string[];

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface Cluster {
  net: TestNetwork;
  address: string;
  trust: ClusterTrust;
  /**
   * `maestro <args>` from the operator's namespace, with its connection flags, signing with the
   * operator's key unless `env` says otherwise (MAESTRO_KEY, MAESTRO_TRUST).
   */
  maestro(args: string[], flags?: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** `maestro status --json` of a run. */
  status(runId: string): Promise<{ state: string; services: Record<string, { state: string; steps: Array<{ name: string; state: string; attempts: number }> }> }>;
  /** Starts (or starts again) `maestro worker --node <node> --trust <its file>` in the node's namespace; resolves once it polls. */
  startNode(node: string, flags?: string[]): Promise<Spawned>;
  nodeWorker(node: string): Spawned | undefined;
  startOrchestrator(): Promise<Spawned>;
  /** Runs `file args` in `host`'s namespace and tracks the process. */
  spawnIn(host: string, file: string, args: string[], env?: NodeJS.ProcessEnv): Spawned;
  /** Runs a short command in `host`'s namespace to its end. */
  execIn(host: string, file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** Kills every process and deletes every namespace (call in afterAll; safe twice). */
  teardown(): Promise<void>;
}

export function execIn(net: TestNetwork, host: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<CliResult> {
  const [ipBin, ...prefix] = net.exec(host);
  return new Promise((resolve) => {
    execFile(ipBin!, [...prefix, file, ...args], { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

/** Makes the namespaces; the server and workers are started by the caller (see `startDevServerIn`). */
export function createCluster(options: { address: string; connectFlags: ConnectFlags; trust: ClusterTrust; env?: NodeJS.ProcessEnv }, net = createNetwork([...HOSTS])): Cluster {
  // Nothing inherits the jest setup's identity: keys and trust files are given where they belong.
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...options.env };
  delete env.MAESTRO_KEY;
  delete env.MAESTRO_TRUST;
  const operatorEnv = signingEnv(options.trust.operator, options.trust.operatorTrust);
  const nodes = new Map<string, Spawned>();
  const spawnIn = (host: string, file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const [ipBin, ...prefix] = net.exec(host);
    return spawnTracked(ipBin!, [...prefix, file, ...args], { ...env, ...extraEnv });
  };
  const startWorker = async (host: string, what: string, args: string[]) => {
    const worker = spawnIn(host, process.execPath, [MAESTRO_BIN, 'worker', ...args]);
    return untilReady(worker, `${what} to poll`, workersPolling, 60_000);
  };
  const cluster: Cluster = {
    net,
    address: options.address,
    trust: options.trust,
    maestro: (args, flags = options.connectFlags('cli'), signing = operatorEnv) => execIn(net, 'cli', process.execPath, [MAESTRO_BIN, ...args, ...flags], { ...env, ...signing }),
    async status(runId) {
      const result = await cluster.maestro(['status', runId, '--json']);
      if (result.code !== 0) throw new Error(`maestro status ${runId} exited ${result.code}: ${result.err}`);
      return JSON.parse(result.out);
    },
    async startNode(node, flags = options.connectFlags(node)) {
      const worker = await startWorker(node, `worker ${node}`, ['--node', node, '--trust', options.trust.nodeTrust(node), ...flags]);
      nodes.set(node, worker);
      return worker;
    },
    nodeWorker: (node) => nodes.get(node),
    startOrchestrator: () => startWorker('mac-studio', 'the orchestrator', ['--orchestrator', ...options.connectFlags('orchestrator')]),
    spawnIn,
    execIn: (host, file, args, extraEnv = {}) => execIn(net, host, file, args, { ...env, ...extraEnv }),
    async teardown() {
      await killSpawned();
      net.destroy();
    },
  };
  return cluster;
}

/** Polls `maestro status` until the run is in one of `states`; fails with the last status otherwise. */
export async function waitForRunState(cluster: Cluster, runId: string, states: string[], timeoutMs = 120_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(
      `run ${runId} to reach ${states.join('|')}`,
      async () => {
        const status = await cluster.status(runId).catch((err: Error) => ({ state: `unknown (${err.message})` }));
        last = status.state;
        return states.includes(status.state) ? status.state : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last state: ${last}`);
  }
}
