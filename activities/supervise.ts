import { setTimeout as delay } from 'node:timers/promises';
import type { OutputTail } from './output-tail';
import { killGroup, type KillOutcome } from './process-group';
import type { Spawned, Spawner } from './spawn';

/**
 * After the command exits, how long its output may keep flowing. A backgrounded daemon that kept
 * our stdout would otherwise hold the step open for as long as it lives.
 */
const DRAIN_MS = 500;

export interface SuperviseOptions {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  killGraceMs: number;
  /** Aborting it stops the command (its whole process group). */
  signal: AbortSignal;
  tail: OutputTail;
  /** Called when an output line completes. */
  onLine: () => void;
  /** How the command is started. */
  spawn: Spawner;
}

export type Outcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timed-out'; kill: KillOutcome }
  | { kind: 'cancelled'; kill: KillOutcome }
  | { kind: 'spawn-error'; error: NodeJS.ErrnoException }
  /** It could no longer be watched (the launcher died), so its process group was stopped. */
  | { kind: 'lost'; error: Error; kill: KillOutcome };

/** Runs one process to its end, a timeout or an abort, feeding its output to `tail`. */
export async function supervise(options: SuperviseOptions): Promise<Outcome> {
  const { file, args, cwd, env, tail } = options;
  const child = await options.spawn({ file, args, cwd, env }, (name, chunk) => {
    if (tail.write(name, chunk)) options.onLine();
  });
  if ('error' in child) return { kind: 'spawn-error', error: child.error };

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<'timed-out' | 'cancelled'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), options.timeoutMs);
    onAbort = () => resolve('cancelled');
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([child.exited, stop, child.lost]);
    if (first instanceof Error) {
      const kill = await killGroup(child.pid, options.killGraceMs);
      return { kind: 'lost', error: first, kill };
    }
    if (typeof first === 'object') {
      await drain(child, tail);
      return { kind: 'exited', ...first };
    }
    const kill = await killGroup(child.pid, options.killGraceMs);
    await drain(child, tail);
    return { kind: first, kill };
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal.removeEventListener('abort', onAbort);
  }
}

async function drain(child: Spawned, tail: OutputTail): Promise<void> {
  const ac = new AbortController();
  await Promise.race([child.closed, delay(DRAIN_MS, undefined, { signal: ac.signal }).catch(() => undefined)]);
  ac.abort();
  child.release();
  tail.end('stdout');
  tail.end('stderr');
}
