import { identityNodes, parseWorkerIdentity } from '../../connection/worker-identity';
import type { NodeSpec } from '../../plan/types';
import type { QueueStatus } from './pollers';

/** The identity mark of a node worker that runs unsigned steps (issue 13's `--insecure-unsigned`). */
const INSECURE = /INSECURE/;

/** One polling worker, as its identity describes it. */
export interface NodeWorker {
  identity: string;
  lastSeen?: string;
  /** Polled within the stale-after window. */
  live: boolean;
  host?: string;
  os?: string;
  arch?: string;
  version?: string;
  /** `signed`: runs only steps of signed plans; `insecure-unsigned`: anything; `unknown`: an identity Maestro did not write. */
  trust: 'signed' | 'insecure-unsigned' | 'unknown';
}

export function nodeWorker(w: { identity: string; lastSeen?: string }, staleAfterMs: number, nowMs: number): NodeWorker {
  const id = parseWorkerIdentity(w.identity);
  const live = w.lastSeen !== undefined && nowMs - Date.parse(w.lastSeen) <= staleAfterMs;
  const base = { identity: w.identity, live, ...(w.lastSeen ? { lastSeen: w.lastSeen } : {}) };
  if (!id) return { ...base, trust: 'unknown' };
  return { ...base, host: id.host, os: id.os, arch: id.arch, version: id.version, trust: id.note && INSECURE.test(id.note) ? 'insecure-unsigned' : 'signed' };
}

/**
 * What contradicts a node's declaration: a live worker whose real os/arch is not the declared
 * one. Routing trusts the declaration (`requires: { arch: arm64 }`), so such a node would run
 * steps meant for another kind of machine.
 */
export function osArchMismatch(node: Pick<NodeSpec, 'name' | 'os' | 'arch'>, workers: readonly NodeWorker[], declaredIn: string): string | undefined {
  const wrong = workers.filter((w) => w.live && w.os !== undefined && (w.os !== node.os || w.arch !== node.arch));
  if (wrong.length === 0) return undefined;
  const where = wrong.map((w) => `${w.os}/${w.arch} on host ${w.host}`).join(', ');
  return `node ${node.name} is declared ${node.os}/${node.arch} in ${declaredIn}, but its worker runs ${where}`;
}

/**
 * Nodes that poll the shared nodes queue but are not declared: name → their workers (presence
 * pollers carry the node worker's identity).
 */
export function undeclaredNodes(presence: QueueStatus, declared: ReadonlySet<string>): Map<string, Array<{ identity: string; lastSeen?: string }>> {
  const found = new Map<string, Array<{ identity: string; lastSeen?: string }>>();
  for (const w of presence.workers) {
    for (const name of identityNodes(parseWorkerIdentity(w.identity))) {
      if (!declared.has(name)) found.set(name, [...(found.get(name) ?? []), w]);
    }
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/** The newest poll of `workers`, and how long ago. */
export function lastPoll(workers: ReadonlyArray<{ lastSeen?: string }>, nowMs: number): { lastSeen?: string; lastSeenAgoMs?: number } {
  const times = workers.map((w) => (w.lastSeen ? Date.parse(w.lastSeen) : NaN)).filter(Number.isFinite);
  if (times.length === 0) return {};
  const last = Math.max(...times);
  return { lastSeen: new Date(last).toISOString(), lastSeenAgoMs: Math.max(0, nowMs - last) };
}
