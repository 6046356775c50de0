import { formatDuration } from '../../plan/durations';
import { ORCHESTRATOR_TASK_QUEUE, nodeLivenessTaskQueue, nodeTaskQueue } from '../../plan/task-queues';
import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import { EXIT } from '../exit-codes';
import { clusterNodes } from '../load-plan';
import type { Output } from '../output';
import { renderTable, shortTime } from '../render/table';
import { describeQueue, type QueueStatus } from '../run/pollers';

export { DEFAULT_STALE_AFTER } from '../run/pollers';

export interface NodeStatus extends QueueStatus {
  node: string;
  os: string;
  arch: string;
  roles: string[];
}

export interface NodesReport {
  staleAfterMs: number;
  nodes: NodeStatus[];
  /** The orchestrator worker (runs the workflows): without it nothing moves. */
  orchestrator: QueueStatus;
  /** Names of the nodes that are down. */
  down: string[];
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

/** `maestro nodes`: each node's worker status from its task queue's pollers. Exit 1 when a node or the orchestrator is down. */
export async function nodesCommand(options: NodesOptions): Promise<number> {
  const { staleAfterMs } = options;
  const nodes = await clusterNodes(options.clusterFile);
  return withClient(options.connection, async (client) => {
    const [orchestrator, ...statuses] = await Promise.all([
      describeQueue(client, ORCHESTRATOR_TASK_QUEUE, 'workflow', staleAfterMs),
      ...nodes.map((n) => describeNode(client, n.name, staleAfterMs)),
    ]);
    const report: NodesReport = {
      staleAfterMs,
      nodes: nodes.map((n, i) => ({ node: n.name, os: n.os, arch: n.arch, roles: n.roles, ...statuses[i]! })),
      orchestrator: orchestrator!,
      down: nodes.filter((_, i) => !statuses[i]!.up).map((n) => n.name),
    };
    options.output.out(options.json ? JSON.stringify(report, null, 2) : renderNodes(report));
    return report.down.length === 0 && report.orchestrator.up ? EXIT.ok : EXIT.runFailed;
  });
}

/**
 * A node's status from its step queue and its liveness queue: a node whose step slots are all
 * taken stops polling its step queue (for as long as its steps run) but keeps polling the other.
 */
async function describeNode(client: Parameters<typeof describeQueue>[0], node: string, staleAfterMs: number): Promise<QueueStatus> {
  const nowMs = Date.now();
  const [steps, alive] = await Promise.all([describeQueue(client, nodeTaskQueue(node), 'activity', staleAfterMs, nowMs), describeQueue(client, nodeLivenessTaskQueue(node), 'activity', staleAfterMs, nowMs)]);
  const latest = [steps, alive].filter((q) => q.lastSeenAgoMs !== undefined).sort((a, b) => a.lastSeenAgoMs! - b.lastSeenAgoMs!)[0];
  return { ...steps, up: steps.up || alive.up, lastSeen: latest?.lastSeen, lastSeenAgoMs: latest?.lastSeenAgoMs };
}

function renderNodes(r: NodesReport): string {
  const seen = (q: QueueStatus) => (q.lastSeenAgoMs === undefined ? 'never' : `${formatDuration(q.lastSeenAgoMs)} ago (${shortTime(q.lastSeen)})`);
  const rows = r.nodes.map((n) => [n.node, n.up ? 'up' : 'DOWN', `${n.os}/${n.arch}`, seen(n), n.workers.map((w) => w.identity).join(', ') || '-']);
  rows.push(['(orchestrator)', r.orchestrator.up ? 'up' : 'DOWN', '', seen(r.orchestrator), r.orchestrator.workers.map((w) => w.identity).join(', ') || '-']);
  const lines = [renderTable(['NODE', 'STATUS', 'OS/ARCH', 'LAST POLL', 'WORKERS'], rows)];
  if (r.down.length) lines.push(`down: ${r.down.join(', ')} (no poll within ${formatDuration(r.staleAfterMs)})`);
  return lines.join('\n');
}
