import { spawn } from 'node:child_process';

/** What to start. */
export interface SpawnRequest {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type OutputStream = 'stdout' | 'stderr';

/** A started command, leading its own process group (its pid is the group id). */
export interface Spawned {
  pid: number;
  exited: Promise<Exit>;
  /** Its output has ended: every process holding its stdout and stderr has closed them. */
  closed: Promise<void>;
  /** Resolves if the command can no longer be watched (the launcher died); it may still run. */
  lost: Promise<Error>;
  /** Stop delivering output and let go of the pipes. */
  release(): void;
}

/**
 * Starts a command in a process group of its own, feeding its output to `onOutput` as UTF-8 text.
 * Resolves with the error when it could not start (ENOENT, EACCES…).
 */
export type Spawner = (request: SpawnRequest, onOutput: (stream: OutputStream, chunk: string) => void) => Promise<Spawned | { error: NodeJS.ErrnoException }>;

/** Forks from this process. Cheap in a small process; see launcher.ts for why workers do not. */
export const inlineSpawner: Spawner = async (request, onOutput) => {
  let child;
  try {
    child = spawn(request.file, request.args, { cwd: request.cwd, env: request.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // Arguments Node refuses outright (a NUL byte).
    return { error: error as NodeJS.ErrnoException };
  }
  // `on`, not `once`: a later 'error' (a failed kill) must not crash the worker.
  const errored = new Promise<NodeJS.ErrnoException>((resolve) => child.on('error', resolve));
  if (child.pid === undefined) return { error: await errored };
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8');
    child[name].on('data', (chunk: string) => onOutput(name, chunk));
  }
  return {
    pid: child.pid,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    closed: new Promise((resolve) => child.once('close', () => resolve())),
    lost: new Promise(() => undefined),
    release() {
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };
};
