import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { OutputTail } from './output-tail';
import { killGroup, type KillOutcome } from './process-group';

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
}

export type Outcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timed-out'; kill: KillOutcome }
  | { kind: 'cancelled'; kill: KillOutcome }
  | { kind: 'spawn-error'; error: NodeJS.ErrnoException };

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Runs one process to its end, a timeout or an abort, feeding its output to `tail`. */
export async function supervise(options: SuperviseOptions): Promise<Outcome> {
  const child = spawn(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    // Its own process group, so a timeout or cancellation can stop everything it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // `on`, not `once`: a later 'error' (a failed kill) must not crash the worker.
  const errored = new Promise<NodeJS.ErrnoException>((resolve) => child.on('error', resolve));
  if (child.pid === undefined) return { kind: 'spawn-error', error: await errored };
  const pgid = child.pid;

  for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      if (options.tail.write(name, chunk)) options.onLine();
    });
  }
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<'timed-out' | 'cancelled'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), options.timeoutMs);
    onAbort = () => resolve('cancelled');
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([exited, stop]);
    if (typeof first === 'object') {
      await drain(child, closed, options.tail);
      return { kind: 'exited', ...first };
    }
    const kill = await killGroup(pgid, options.killGraceMs);
    await drain(child, closed, options.tail);
    return { kind: first, kill };
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal.removeEventListener('abort', onAbort);
  }
}

async function drain(child: ReturnType<typeof spawn>, closed: Promise<void>, tail: OutputTail): Promise<void> {
  const ac = new AbortController();
  await Promise.race([closed, delay(DRAIN_MS, undefined, { signal: ac.signal }).catch(() => undefined)]);
  ac.abort();
  child.stdout?.destroy();
  child.stderr?.destroy();
  tail.end('stdout');
  tail.end('stderr');
}
