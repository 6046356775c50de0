/** The dependency graph: waves (topological layers), cycles, critical path. Iterative, so large plans do not overflow the stack. */
import type { NormalizedPlan } from './types';

/** The part of a service the graph needs. */
export interface GraphService {
  name: string;
  dependsOn: readonly string[];
}

/** Wave numbers, using only edges to known services other than itself; undefined when there is a cycle. */
export function waveNumbers(services: readonly GraphService[]): Map<string, number> | undefined {
  const edges = cleanEdges(services);
  const dependents = new Map<string, string[]>(services.map((s) => [s.name, []]));
  const pending = new Map<string, number>();
  for (const [name, deps] of edges) {
    pending.set(name, deps.length);
    for (const dep of deps) dependents.get(dep)?.push(name);
  }
  const wave = new Map<string, number>();
  const ready = services.filter((s) => pending.get(s.name) === 0).map((s) => s.name);
  for (let i = 0; i < ready.length; i++) {
    const name = ready[i] as string;
    wave.set(name, 1 + Math.max(0, ...(edges.get(name) ?? []).map((d) => wave.get(d) ?? 0)));
    for (const next of dependents.get(name) ?? []) {
      const left = (pending.get(next) ?? 0) - 1;
      pending.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return wave.size === edges.size ? wave : undefined;
}

/** Topological layers: a service's wave is 1 + the highest wave of its dependencies; plan order within a wave. */
export function computeWaves(plan: Pick<NormalizedPlan, 'services'>): string[][] {
  const numbers = waveNumbers(plan.services);
  if (!numbers) throw new Error('the plan has a dependency cycle; validate it first');
  const waves: string[][] = [];
  for (const service of plan.services) {
    const index = (numbers.get(service.name) ?? 1) - 1;
    while (waves.length <= index) waves.push([]);
    waves[index]?.push(service.name);
  }
  return waves;
}

/**
 * One cycle per strongly connected group of services, each as the path `[a, b, c]` meaning
 * a depends on b, b on c, c on a — the shortest such cycle through the group's first service.
 */
export function findCycles(services: readonly GraphService[]): string[][] {
  const edges = cleanEdges(services);
  const order = new Map(services.map((s, i) => [s.name, i]));
  return stronglyConnected(edges)
    .filter((group) => group.length > 1)
    .map((group) => {
      const members = new Set(group);
      const start = [...group].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))[0] as string;
      return shortestCycle(start, edges, members);
    })
    .sort((a, b) => (order.get(a[0] as string) ?? 0) - (order.get(b[0] as string) ?? 0));
}

/** The longest chain of dependencies by the sum of its steps' estimates. */
export function criticalPath(plan: Pick<NormalizedPlan, 'services'>): { services: string[]; lengthMs: number } {
  const waves = computeWaves(plan);
  const byName = new Map(plan.services.map((s) => [s.name, s]));
  const total = new Map<string, number>();
  const previous = new Map<string, string>();
  for (const name of waves.flat()) {
    const service = byName.get(name);
    if (!service) continue;
    let bestDep: string | undefined;
    for (const dep of service.dependsOn) {
      if (dep === name || !total.has(dep)) continue;
      if (bestDep === undefined || (total.get(dep) ?? 0) > (total.get(bestDep) ?? 0)) bestDep = dep;
    }
    const own = service.steps.reduce((sum, step) => sum + step.estimateMs, 0);
    total.set(name, own + (bestDep === undefined ? 0 : (total.get(bestDep) ?? 0)));
    if (bestDep !== undefined) previous.set(name, bestDep);
  }
  let end: string | undefined;
  for (const service of plan.services) {
    if (end === undefined || (total.get(service.name) ?? 0) > (total.get(end) ?? 0)) end = service.name;
  }
  if (end === undefined) return { services: [], lengthMs: 0 };
  const chain = [end];
  for (let at = previous.get(end); at !== undefined; at = previous.get(at)) chain.unshift(at);
  return { services: chain, lengthMs: total.get(end) ?? 0 };
}

/** Dependencies restricted to known services, without self-edges and repeats (those are reported elsewhere). */
function cleanEdges(services: readonly GraphService[]): Map<string, string[]> {
  const known = new Set(services.map((s) => s.name));
  return new Map(services.map((s) => [s.name, [...new Set(s.dependsOn)].filter((d) => d !== s.name && known.has(d))]));
}

/** Tarjan's algorithm without recursion. */
function stronglyConnected(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { name: string; next: number }[] = [{ name: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { name: string; next: number };
      const deps = edges.get(frame.name) ?? [];
      if (frame.next < deps.length) {
        const dep = deps[frame.next++] as string;
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ name: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.name, Math.min(low.get(frame.name) ?? 0, index.get(dep) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.name, Math.min(low.get(parent.name) ?? 0, low.get(frame.name) ?? 0));
      if (low.get(frame.name) === index.get(frame.name)) {
        const group: string[] = [];
        for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
          onStack.delete(member);
          group.push(member);
          if (member === frame.name) break;
        }
        groups.push(group);
      }
    }
  }
  return groups;
}

/** Breadth-first from `start` along dependencies inside `members` until back at `start`. */
function shortestCycle(start: string, edges: Map<string, string[]>, members: Set<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as string;
    for (const dep of edges.get(at) ?? []) {
      if (!members.has(dep)) continue;
      if (dep === start) {
        const path = [at];
        for (let back = cameFrom.get(at); back !== undefined; back = cameFrom.get(back)) path.unshift(back);
        return path;
      }
      if (dep !== start && !cameFrom.has(dep)) {
        cameFrom.set(dep, at);
        queue.push(dep);
      }
    }
  }
  return [start];
}
