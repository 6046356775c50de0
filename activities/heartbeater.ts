/**
 * Heartbeats at least every `intervalMs`, and soon after `poke()` (news such as an output line)
 * but at most every `throttleMs`, so a chatty command does not heartbeat per line yet its last
 * line is never held back for long. Cancellation only reaches an activity through heartbeats,
 * hence the floor even when nothing happens.
 */
export class Heartbeater {
  private lastBeat = 0;
  private trailing: NodeJS.Timeout | undefined;
  private readonly interval: NodeJS.Timeout;

  constructor(
    private readonly beat: () => void,
    intervalMs: number,
    private readonly throttleMs: number,
  ) {
    this.interval = setInterval(() => this.now(), intervalMs);
  }

  poke(): void {
    const wait = this.lastBeat + this.throttleMs - Date.now();
    if (wait <= 0) {
      this.now();
    } else if (this.trailing === undefined) {
      this.trailing = setTimeout(() => this.now(), wait);
    }
  }

  stop(): void {
    clearInterval(this.interval);
    if (this.trailing !== undefined) clearTimeout(this.trailing);
    this.trailing = undefined;
  }

  private now(): void {
    if (this.trailing !== undefined) clearTimeout(this.trailing);
    this.trailing = undefined;
    this.lastBeat = Date.now();
    this.beat();
  }
}
