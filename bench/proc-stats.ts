import { readFileSync } from 'node:fs';

/** Resident memory of a process from /proc/<pid>/status, in MiB (Linux only; undefined elsewhere). */
export interface MemoryReading {
  /** VmRSS: resident now. */
  rssMb?: number;
  /** VmHWM: the peak resident set since the process started. */
  peakMb?: number;
}

export function readMemory(pid: number | 'self'): MemoryReading {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return {};
  }
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  };
  return { rssMb: field('VmRSS'), peakMb: field('VmHWM') };
}

/** Samples the resident memory of some processes while a scenario runs, keeping each one's peak. */
export class MemorySampler {
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: Record<string, number | 'self'>,
    intervalMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; returns the peak resident MiB seen per process name. */
  stop(): Record<string, number | undefined> {
    clearInterval(this.timer);
    this.sample();
    return Object.fromEntries(Object.keys(this.pids).map((name) => [name, this.peaks.get(name)]));
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const { rssMb } = readMemory(pid);
      if (rssMb !== undefined) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rssMb));
    }
  }
}

/** CPU time (user + system) a process has used so far, in seconds; undefined when unreadable. */
export function cpuSeconds(pid: number | 'self'): number | undefined {
  if (pid === 'self') {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
