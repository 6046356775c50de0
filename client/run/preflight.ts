import type { Client } from '@temporalio/client';
import { parseDuration } from '../../plan/durations';
import { routeServices } from '../../plan/routing';
import { ORCHESTRATOR_TASK_QUEUE, nodeTaskQueue } from '../../plan/task-queues';
import type { NormalizedPlan } from '../../plan/types';
import { DEFAULT_STALE_AFTER, describeQueue, type QueueStatus } from './pollers';
import { nodeWorker, osArchMismatch } from './node-census';

/** What the pre-run check found; each entry is a sentence naming the node and what to do. */
export interface PreflightFindings {
  /** Nothing polls: the orchestrator, a pinned node, or every node a `requires:` service may use. */
  missing: string[];
  /** A live worker whose real os/arch contradicts the node's declaration. */
  mismatched: string[];
}

/**
 * Which queues have a live poller, decided from the plan's routes: a pinned service needs its
 * node, a `requires:` service one of its matching nodes (the others are fallbacks), and every
 * run needs the orchestrator. `declaredIn` names where os/arch were declared; undefined (the
 * built-in nodes, which one machine plays in `maestro dev`) skips the os/arch comparison.
 */
export function preflightFindings(
  plan: Pick<NormalizedPlan, 'nodes' | 'services'>,
  queues: { orchestrator: QueueStatus; nodes: ReadonlyMap<string, QueueStatus> },
  options: { declaredIn?: string; staleAfterMs: number; nowMs: number; connectionFlags: string },
): PreflightFindings {
  const missing: string[] = [];
  const mismatched: string[] = [];
  const start = (what: string) => `maestro worker ${what}${options.connectionFlags}`;
  if (!queues.orchestrator.up) missing.push(`no orchestrator worker polls (it runs the workflows); start one with: ${start('--orchestrator')}`);
  const live = (node: string) => queues.nodes.get(node)?.up === true;
  for (const [service, candidates] of Object.entries(routeServices(plan))) {
    const pinned = plan.services.find((s) => s.name === service)?.node !== undefined;
    if (candidates.some(live)) continue;
    if (pinned) missing.push(`no worker polls node ${candidates[0]} (service ${service} is pinned to it); start it on that machine with: ${start(`--node ${candidates[0]}`)}`);
    else missing.push(`no worker polls any node service ${service} may run on (${candidates.join(', ')}); start one on such a machine with: ${start(`--node ${candidates[0]}`)}`);
  }
  if (options.declaredIn !== undefined) {
    const routed = new Set(Object.values(routeServices(plan)).flat());
    for (const node of plan.nodes.filter((n) => routed.has(n.name))) {
      const workers = (queues.nodes.get(node.name)?.workers ?? []).map((w) => nodeWorker(w, options.staleAfterMs, options.nowMs));
      const problem = osArchMismatch(node, workers, options.declaredIn);
      if (problem) mismatched.push(problem);
    }
  }
  return { missing: [...new Set(missing)], mismatched };
}

/** Reads the pollers of the orchestrator's queue and of every node the plan routes to, then `preflightFindings`. */
export async function preflight(client: Client, plan: NormalizedPlan, options: { declaredIn?: string; connectionFlags: string }): Promise<PreflightFindings> {
  const staleAfterMs = parseDuration(DEFAULT_STALE_AFTER)!;
  const nowMs = Date.now();
  const routed = [...new Set(Object.values(routeServices(plan)).flat())];
  const [orchestrator, ...statuses] = await Promise.all([
    describeQueue(client, ORCHESTRATOR_TASK_QUEUE, 'workflow', staleAfterMs, nowMs),
    ...routed.map((n) => describeQueue(client, nodeTaskQueue(n), 'activity', staleAfterMs, nowMs)),
  ]);
  const nodes = new Map(routed.map((n, i) => [n, statuses[i]!]));
  return preflightFindings(plan, { orchestrator: orchestrator!, nodes }, { ...options, staleAfterMs, nowMs });
}
