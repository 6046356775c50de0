import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './temporal-binaries';

/** This installation's Maestro version (package.json). */
export function maestroVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** What a worker's identity says about where it runs; `maestro nodes` shows it. */
export interface WorkerIdentity {
  role: string;
  host: string;
  pid: number;
  os: string;
  arch: string;
  version: string;
}

/**
 * The identity a worker polls with: `<role> <host>:<pid> <os>/<arch> maestro/<version>`, so the
 * pollers of a task queue tell machines apart (`maestro nodes`, the Web UI's task queue page).
 */
export function workerIdentity(role: string): string {
  return `${role} ${hostname()}:${process.pid} ${process.platform}/${process.arch} maestro/${maestroVersion()}`;
}

/** Reads an identity written by `workerIdentity`; undefined for any other (an older worker, another SDK). */
export function parseWorkerIdentity(identity: string): WorkerIdentity | undefined {
  const m = /^(\S+) (\S+):(\d+) ([^/\s]+)\/(\S+) maestro\/(\S+)$/.exec(identity);
  if (!m) return undefined;
  return { role: m[1]!, host: m[2]!, pid: Number(m[3]), os: m[4]!, arch: m[5]!, version: m[6]! };
}
