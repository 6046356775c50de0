/** What a worker's identity says about where it runs; `maestro nodes` and `maestro run` read it. */
export interface WorkerIdentity {
  role: string;
  host: string;
  pid: number;
  os: string;
  arch: string;
  version: string;
  /** Whatever follows the version, e.g. a node worker's `(INSECURE: runs unsigned steps)` mark. */
  note?: string;
}

/**
 * Reads an identity written by `workerIdentity` (workers/identity.ts):
 * `<role> <host>:<pid> <os>/<arch> maestro/<version>[ <note>]`. Undefined for any other shape
 * (an older worker, another SDK, the Temporal CLI).
 */
export function parseWorkerIdentity(identity: string): WorkerIdentity | undefined {
  const m = /^(\S+) (\S+):(\d+) ([^/\s]+)\/(\S+) maestro\/(\S+)(?: (.+))?$/.exec(identity);
  if (!m) return undefined;
  return { role: m[1]!, host: m[2]!, pid: Number(m[3]), os: m[4]!, arch: m[5]!, version: m[6]!, ...(m[7] ? { note: m[7] } : {}) };
}

/** The nodes a node worker's identity names (`node:<name>`, or `node:a,b` for a process's presence), else none. */
export function identityNodes(identity: WorkerIdentity | undefined): string[] {
  return identity?.role.startsWith('node:') ? identity.role.slice('node:'.length).split(',').filter(Boolean) : [];
}
