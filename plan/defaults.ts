/** Every default of the plan format, in one place (docs/plan-format.md lists the same). */
import type { NodeSpec } from './types';

export const PLAN_DEFAULTS = {
  workdir: '.',
  strategy: { mode: 'waves', maxParallel: 4, onFailure: 'rollback', nodeTimeoutMs: 30_000 },
  step: { timeoutMs: 10 * 60_000 },
  /**
   * A step's expected duration when the plan gives no `estimate`: a wait's length, a check's
   * `successes × interval` (a healthy service passes that fast), else this for a command.
   * Never the timeout (plan/step-durations.ts says why).
   */
  estimate: { runMs: 30_000 },
  retry: { maxAttempts: 3, initialIntervalMs: 2_000, backoff: 2 },
  check: { status: 200, successes: 1, failures: 3, intervalMs: 1_000, timeoutMs: 60_000, inconclusive: 'pause' },
  gate: { timeoutMs: 24 * 3_600_000, onTimeout: 'reject', minApprovals: 1 },
  approvals: { allowSelfApproval: true },
} as const;

/**
 * The most services in flight at once, whatever `maxParallel` asks: Temporal refuses a run's
 * 2,001st pending child (the workflow task fails and retries forever, so the run is stuck, not
 * failed), and undo children and pause/resume signals need room under the same limits.
 */
export const MAX_SERVICES_IN_FLIGHT = 1_000;

/** The cluster Maestro was first built for; used when neither the plan nor a cluster file names nodes. */
export const DEFAULT_NODES: readonly NodeSpec[] = [
  { name: 'mac-studio', os: 'darwin', arch: 'arm64', roles: ['orchestrator', 'coordination'] },
  { name: 'macbook-air', os: 'darwin', arch: 'arm64', roles: ['research', 'analysis', 'docs'] },
  { name: 'macpro51', os: 'linux', arch: 'x64', roles: ['docker', 'build', 'test'] },
];

/**
 * The nodes a plan runs on: the cluster's (or, with no cluster and no plan nodes, the defaults),
 * then the plan's — a plan node replaces a cluster node of the same name, or is added after them.
 */
export function mergeNodes(clusterNodes: readonly NodeSpec[] | undefined, planNodes: readonly NodeSpec[] | undefined): NodeSpec[] {
  const base = clusterNodes ?? (planNodes && planNodes.length > 0 ? [] : DEFAULT_NODES);
  const merged = new Map<string, NodeSpec>(base.map((n) => [n.name, cloneNode(n)]));
  for (const node of planNodes ?? []) merged.set(node.name, cloneNode(node));
  return [...merged.values()];
}

function cloneNode(node: NodeSpec): NodeSpec {
  return { name: node.name, os: node.os, arch: node.arch, roles: [...node.roles] };
}
