import { formatDuration } from '../../plan/durations';
import { NODES_TASK_QUEUE, ORCHESTRATOR_TASK_QUEUE, nodeLivenessTaskQueue, nodeTaskQueue } from '../../plan/task-queues';
import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import { EXIT } from '../exit-codes';
import { clusterDeclaration } from '../load-plan';
import type { Output } from '../output';
import { renderTable, shortTime } from '../render/table';
import { describeQueue, type QueueStatus } from '../run/pollers';
import { lastPoll, nodeWorker, osArchMismatch, undeclaredNodes, type NodeWorker } from '../run/node-census';

export { DEFAULT_STALE_AFTER } from '../run/pollers';

export interface NodeStatus extends Omit<QueueStatus, 'workers'> {
  node: string;
  /** Declared in the cluster file (or the built-in nodes); false for a node found only by its polling worker. */
  declared: boolean;
  /** Declared os/arch; for an undeclared node, its worker's. */
  os: string;
  arch: string;
  roles: string[];
  workers: NodeWorker[];
  /** A live worker's real os/arch contradicts the cluster file (never checked against the built-in nodes). */
  mismatch?: string;
}

export interface NodesReport {
  staleAfterMs: number;
  /** The cluster file the declarations come from; absent: the built-in nodes. */
  clusterFile?: string;
  nodes: NodeStatus[];
  /** The orchestrator worker (runs the workflows): without it nothing moves. */
  orchestrator: QueueStatus;
  /** Names of the declared nodes that are down. */
  down: string[];
  /** Names of the nodes whose worker contradicts the cluster file's os/arch. */
  mismatched: string[];
}

export interface NodesOptions {
  output: Output;
  connection: ConnectionSettings;
  /** Cluster file naming the nodes. Default: `maestro.cluster.yaml` here, else the built-in three nodes. */
  clusterFile?: string;
  /** A node whose workers have not polled for this many milliseconds is down; `--stale-after`, default `DEFAULT_STALE_AFTER`. */
  staleAfterMs: number;
  json?: boolean;
}

/**
 * `maestro nodes`: every declared node's worker status from its task queue's pollers, and every
 * node whose worker polls without being declared (from the shared nodes queue). Exit 1 when a
 * declared node or the orchestrator is down, or a worker contradicts the cluster file's os/arch.
 */
export async function nodesCommand(options: NodesOptions): Promise<number> {
  const { staleAfterMs } = options;
  const { nodes, file } = await clusterDeclaration(options.clusterFile);
  return withClient(options.connection, async (client) => {
    const now = Date.now();
    const [orchestrator, presence, ...statuses] = await Promise.all([
      describeQueue(client, ORCHESTRATOR_TASK_QUEUE, 'workflow', staleAfterMs, now),
      describeQueue(client, NODES_TASK_QUEUE, 'activity', staleAfterMs, now),
      ...nodes.map((n) => describeNode(client, n.name, staleAfterMs, now)),
    ]);
    const declared: NodeStatus[] = nodes.map((n, i) => {
      const status = statuses[i]!;
      const workers = status.workers.map((w) => nodeWorker(w, staleAfterMs, now));
      const mismatch = file === undefined ? undefined : osArchMismatch(n, workers, file);
      return { node: n.name, declared: true, os: n.os, arch: n.arch, roles: n.roles, ...status, workers, ...(mismatch ? { mismatch } : {}) };
    });
    const extra: NodeStatus[] = [...undeclaredNodes(presence!, new Set(nodes.map((n) => n.name)))].map(([name, polled]) => {
      const workers = polled.map((w) => nodeWorker(w, staleAfterMs, now));
      const real = workers.find((w) => w.os !== undefined);
      return { node: name, declared: false, os: real?.os ?? '?', arch: real?.arch ?? '?', roles: [], taskQueue: nodeTaskQueue(name), up: workers.some((w) => w.live), ...lastPoll(workers, now), workers };
    });
    const report: NodesReport = {
      staleAfterMs,
      ...(file ? { clusterFile: file } : {}),
      nodes: [...declared, ...extra],
      orchestrator: orchestrator!,
      down: declared.filter((n) => !n.up).map((n) => n.node),
      mismatched: declared.filter((n) => n.mismatch).map((n) => n.node),
    };
    options.output.out(options.json ? JSON.stringify(report, null, 2) : renderNodes(report));
    return report.down.length === 0 && report.mismatched.length === 0 && report.orchestrator.up ? EXIT.ok : EXIT.runFailed;
  });
}

/**
 * A node's status from its step queue and its liveness queue: a node whose step slots are all
 * taken stops polling its step queue (for as long as its steps run) but keeps polling the other.
 */
async function describeNode(client: Parameters<typeof describeQueue>[0], node: string, staleAfterMs: number, nowMs: number): Promise<QueueStatus> {
  const [steps, alive] = await Promise.all([describeQueue(client, nodeTaskQueue(node), 'activity', staleAfterMs, nowMs), describeQueue(client, nodeLivenessTaskQueue(node), 'activity', staleAfterMs, nowMs)]);
  const latest = [steps, alive].filter((q) => q.lastSeenAgoMs !== undefined).sort((a, b) => a.lastSeenAgoMs! - b.lastSeenAgoMs!)[0];
  return { ...steps, up: steps.up || alive.up, lastSeen: latest?.lastSeen, lastSeenAgoMs: latest?.lastSeenAgoMs };
}

function renderNodes(r: NodesReport): string {
  const seen = (q: { lastSeenAgoMs?: number; lastSeen?: string }) => (q.lastSeenAgoMs === undefined ? 'never' : `${formatDuration(q.lastSeenAgoMs)} ago (${shortTime(q.lastSeen)})`);
  const uniq = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => v !== undefined))].join(', ') || '-';
  const status = (n: NodeStatus) => (n.mismatch ? 'MISMATCH' : n.up ? 'up' : n.declared ? 'DOWN' : 'gone');
  const osArch = (n: NodeStatus) => {
    const real = uniq(n.workers.filter((w) => w.live && w.os).map((w) => `${w.os}/${w.arch}`));
    return real === '-' ? `${n.os}/${n.arch}` : real;
  };
  const rows = r.nodes.map((n) => [
    n.declared ? n.node : `${n.node} (undeclared)`,
    status(n),
    osArch(n),
    uniq(n.workers.filter((w) => w.live).map((w) => w.host)),
    uniq(n.workers.filter((w) => w.live).map((w) => w.version)),
    uniq(n.workers.filter((w) => w.live).map((w) => (w.trust === 'insecure-unsigned' ? 'INSECURE' : w.trust))),
    seen(n),
  ]);
  rows.push(['(orchestrator)', r.orchestrator.up ? 'up' : 'DOWN', '', '', '', '', seen(r.orchestrator)]);
  const lines = [renderTable(['NODE', 'STATUS', 'OS/ARCH', 'HOST', 'VERSION', 'TRUST', 'LAST POLL'], rows)];
  if (r.down.length) lines.push(`down: ${r.down.join(', ')} (no poll within ${formatDuration(r.staleAfterMs)})`);
  for (const n of r.nodes) if (n.mismatch) lines.push(`mismatch: ${n.mismatch}`);
  return lines.join('\n');
}
