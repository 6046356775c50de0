import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** How often an emptying process group is looked at. */
const POLL_MS = 25;
/** After SIGKILL, how long to wait for the kernel to clear the group. */
const AFTER_KILL_MS = 2_000;

/** Sends `signal` to every process of the group `pgid` it may signal; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    // Members we may not signal (a setuid program) still make the group exist.
    if (code === 'EPERM') return true;
    throw error;
  }
}

/**
 * Whether a process of the group still runs. Orphaned grandchildren are reaped by init, which in
 * a container can take seconds or never happen; a zombie has exited, so on Linux zombies are not
 * counted. Elsewhere (macOS, where launchd reaps at once) the kernel's answer is used as is.
 */
export async function groupRunning(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  const pids = await procPids();
  if (!pids) return true;
  const stats = await Promise.all(pids.map(async (pid) => parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''))));
  return stats.some(({ state, pgrp }) => pgrp === pgid && state !== 'Z' && state !== 'X');
}

/** The pids in /proc (Linux); undefined where there is none. */
export async function procPids(): Promise<string[] | undefined> {
  const entries = await readdir('/proc').catch(() => undefined);
  return entries?.filter((name) => /^\d+$/.test(name));
}

/** A `/proc/<pid>/stat` line's state and process group ('' and NaN for an empty line). */
export function parseProcStat(stat: string): { state: string; pgrp: number } {
  // The command name is in parentheses and may hold anything, so fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

/** Resolves true once no process of the group runs, or false after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await groupRunning(pgid)) {
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

export type KillOutcome = 'terminated' | 'killed' | 'survived';

/**
 * Stops a whole process group: SIGTERM, then SIGKILL after `graceMs`. Grandchildren share the
 * group (the command was spawned detached, leading its own group), so backgrounded work dies too.
 */
export async function killGroup(pgid: number, graceMs: number): Promise<KillOutcome> {
  if (!signalGroup(pgid, 'SIGTERM')) return 'terminated';
  if (await waitGroupGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  return (await waitGroupGone(pgid, AFTER_KILL_MS)) ? 'killed' : 'survived';
}
