import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { killGroup, parseProcStat, procPids } from './process-group';
import type { Exit, OutputStream, SpawnRequest, Spawner } from './spawn';

/** What launcher-host.js sends back. */
type HostMessage =
  | { t: 'started'; id: number; pid: number }
  | { t: 'failed'; id: number; error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } }
  | { t: 'out'; id: number; stream: OutputStream; data: string }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { t: 'closed'; id: number };

interface Pending {
  onOutput(stream: OutputStream, chunk: string): void;
  started(pid: number): void;
  failed(error: NodeJS.ErrnoException): void;
  exit(exit: Exit): void;
  closed(): void;
  lost(error: Error): void;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface LauncherHealth {
  state: 'idle' | 'running' | 'exited';
  pid?: number;
  /** Host processes that exited since this worker started. */
  exits: number;
}

/**
 * Starts commands through launcher-host.js, a small process forked once, so that a worker grown
 * large by its workflow cache never forks itself (see the host for the measurements). If the host
 * dies, the commands it was watching are reported lost and the next command starts a new host.
 */
export class CommandLauncher {
  /** The host's script: launcher-host.js; a test may hand a stand-in. */
  private readonly hostScript: string;
  private host?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exits = 0;

  constructor(options: { hostScript?: string } = {}) {
    this.hostScript = options.hostScript ?? join(__dirname, 'launcher-host.js');
  }

  readonly spawn: Spawner = (request, onOutput) =>
    new Promise((resolve) => {
      const id = this.nextId++;
      const exited = deferred<Exit>();
      const closed = deferred<void>();
      const lost = deferred<Error>();
      let started = false;
      this.pending.set(id, {
        onOutput,
        started: (pid) => {
          started = true;
          const release = () => {
            this.forget(id);
            this.send({ t: 'release', id });
          };
          resolve({ pid, exited: exited.promise, closed: closed.promise, lost: lost.promise, release });
        },
        failed: (error) => {
          this.forget(id);
          resolve({ error });
        },
        exit: exited.resolve,
        closed: () => {
          this.forget(id);
          closed.resolve();
        },
        // After the start, the supervisor decides. Before it, this is a failure to start, but the
        // host may have died between starting the command and saying so: stop what it started.
        lost: (error) => {
          if (started) return lost.resolve(error);
          void stopUnconfirmed(request).then((stopped) => {
            const what = stopped > 0 ? 'the command it had started was stopped' : process.platform === 'linux' ? 'no command of it was running' : 'a command it started may still run';
            resolve({ error: Object.assign(new Error(`${error.message} before it confirmed the start; ${what}`), { code: 'ELAUNCHER' }) });
          });
        },
      });
      this.send({ t: 'spawn', id, ...request } satisfies { t: 'spawn'; id: number } & SpawnRequest);
    });

  /** The host's pid while it runs (logs, tests). */
  get hostPid(): number | undefined {
    return this.host?.pid;
  }

  /**
   * For /healthz and the metrics: `idle` before the first command (the host starts on demand),
   * `running` while the host lives, `exited` after it died, until the next command starts a new one.
   */
  health(): LauncherHealth {
    if (this.host) return { state: 'running', pid: this.host.pid, exits: this.exits };
    return { state: this.exits === 0 ? 'idle' : 'exited', exits: this.exits };
  }

  /** Stops the host (commands it started keep running: they lead their own process groups). */
  close(): void {
    this.host?.kill('SIGKILL');
  }

  private forget(id: number): void {
    this.pending.delete(id);
    // The host must not keep an idle worker (or a test process) alive.
    if (this.pending.size === 0) this.host?.channel?.unref();
  }

  private send(message: object): void {
    const host = this.host ?? this.startHost();
    // Ref'd while commands are out, so the worker waits for them; unref'd in `forget`.
    if (this.pending.size > 0) host.channel?.ref();
    host.send(message);
  }

  private startHost(): ChildProcess {
    // execArgv: none of the worker's flags (profilers, heap sizes) belong in the launcher.
    const host = fork(this.hostScript, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    host.unref();
    host.on('message', (message: HostMessage) => this.onMessage(message));
    // A failed send to a dead host surfaces here; the 'exit' below reports the commands lost.
    host.on('error', () => undefined);
    // 'close', not 'exit': it comes once the IPC channel has been read to its end, so a start the
    // host reported just before it died is known here, and its command stopped as one that ran.
    host.once('close', (code, signal) => {
      if (this.host === host) this.host = undefined;
      this.exits++;
      const error = new Error(`the command launcher (pid ${host.pid}) exited (${signal ?? `code ${code}`})`);
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.lost(error);
      }
    });
    this.host = host;
    return host;
  }

  private onMessage(message: HostMessage): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.t) {
      case 'started':
        return pending.started(message.pid);
      case 'failed':
        return pending.failed(Object.assign(new Error(message.error.message), message.error) as NodeJS.ErrnoException);
      case 'out':
        return pending.onOutput(message.stream, message.data);
      case 'exit':
        return pending.exit({ code: message.code, signal: message.signal });
      case 'closed':
        return pending.closed();
    }
  }
}

/**
 * Stops the process groups of a command the host may have started without reporting it: the
 * processes (Linux: /proc) whose environment holds every MAESTRO_* variable of the request — a
 * step attempt's run, service, step, phase, attempt and idempotency key. Returns how many groups
 * it stopped. A request without MAESTRO_* variables, or a system without /proc, finds none.
 */
async function stopUnconfirmed(request: SpawnRequest): Promise<number> {
  const marks = Object.entries(request.env)
    .filter(([name, value]) => name.startsWith('MAESTRO_') && value !== undefined)
    .map(([name, value]) => `${name}=${value}`);
  if (marks.length === 0) return 0;
  const pids = ((await procPids()) ?? []).filter((pid) => Number(pid) !== process.pid);
  const groups = new Set<number>();
  await Promise.all(
    pids.map(async (pid) => {
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
      if (environ === '') return;
      const entries = new Set(environ.split('\0'));
      if (!marks.every((mark) => entries.has(mark))) return;
      const { pgrp } = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
      if (pgrp > 1) groups.add(pgrp);
    }),
  );
  // It never had a supervisor: no grace beyond a moment to go on its own.
  await Promise.all([...groups].map((pgid) => killGroup(pgid, 0)));
  return groups.size;
}

let shared: CommandLauncher | undefined;

/** The launcher every node worker of this process shares. */
export function sharedLauncher(): CommandLauncher {
  shared ??= new CommandLauncher();
  return shared;
}
