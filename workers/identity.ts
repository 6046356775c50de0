import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './temporal-binaries';

export { parseWorkerIdentity, type WorkerIdentity } from '../connection/worker-identity';

/** This installation's Maestro version (package.json). */
export function maestroVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The identity a worker polls with: `<role> <host>:<pid> <os>/<arch> maestro/<version>`, so the
 * pollers of a task queue tell machines apart (`maestro nodes`, the Web UI's task queue page).
 */
export function workerIdentity(role: string): string {
  return `${role} ${hostname()}:${process.pid} ${process.platform}/${process.arch} maestro/${maestroVersion()}`;
}
