/** Which nodes may run each service, in order of preference. Pure and deterministic: workflows call it. */
import type { NodeSpec, NormalizedPlan, Requirements } from './types';

/** True when `node` has the os, the arch and every role `requires` asks for. */
export function matchesRequirements(node: NodeSpec, requires: Requirements | undefined): boolean {
  if (!requires) return true;
  if (requires.os !== undefined && requires.os !== node.os) return false;
  if (requires.arch !== undefined && requires.arch !== node.arch) return false;
  return (requires.roles ?? []).every((role) => node.roles.includes(role));
}

/** Nodes matching `requires`, in cluster order. */
export function matchingNodes(nodes: readonly NodeSpec[], requires: Requirements | undefined): NodeSpec[] {
  return nodes.filter((node) => matchesRequirements(node, requires));
}

/**
 * For each service, the nodes that may run it: the first is preferred, the rest are fallbacks
 * for when a node is down. A pinned service has only its node. Otherwise the matching nodes are
 * rotated by the service's index among the services with the same requirement, so that
 * services spread over the nodes instead of piling onto the first one.
 */
export function routeServices(plan: Pick<NormalizedPlan, 'nodes' | 'services'>): Record<string, string[]> {
  const routes: Record<string, string[]> = {};
  const seen = new Map<string, number>();
  for (const service of plan.services) {
    if (service.node !== undefined) {
      routes[service.name] = [service.node];
      continue;
    }
    const key = requirementKey(service.requires);
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const names = matchingNodes(plan.nodes, service.requires).map((n) => n.name);
    routes[service.name] = rotate(names, index);
  }
  return routes;
}

/** Equal for equivalent requirements (`{}` and none; roles in any order), so they share one rotation. */
function requirementKey(requires: Requirements = {}): string {
  const roles = [...new Set(requires.roles ?? [])].sort();
  return JSON.stringify([requires.os ?? null, requires.arch ?? null, roles]);
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * A service's candidates with the nodes this run already found down moved to the end, in their
 * order: a later service does not wait `nodeTimeout` again for the same dead node, yet still
 * tries it last (it may be back, or the only node that can run the service).
 */
export function preferNodesUp(candidates: readonly string[], down: ReadonlySet<string>): string[] {
  return [...candidates.filter((n) => !down.has(n)), ...candidates.filter((n) => down.has(n))];
}
