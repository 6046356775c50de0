import type { TestWorkflowEnvironment } from '@temporalio/testing';

interface Plateau {
  /** Server times of the first and last sample with this offset. */
  firstServer: number;
  lastServer: number;
  /** Server time less wall time: grows only when the server skips time. */
  offset: number;
}

/** Samples closer than this are the same offset (RPC jitter). */
const SAME_OFFSET_MS = 3;
const SAMPLE_EVERY_MS = 10;

/**
 * The simulated time of a server timestamp, without the simulation's own wall time.
 *
 * The time-skipping server's clock is wall time plus whatever it skipped. The wall time a
 * simulation spends (workflow tasks, RPCs, a busy machine) says nothing about the real run, so
 * the prediction keeps only the skipped part: the clock samples `server − wall` every few
 * milliseconds and maps any server time to the skip offset in force then. A skip is a jump of
 * at least a step's duration, so a timestamp between two samples is on the side it is closer to.
 */
export class ModelClock {
  private readonly plateaus: Plateau[] = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly env: TestWorkflowEnvironment) {}

  async start(): Promise<void> {
    this.running = true;
    await this.sample();
    this.loop = (async () => {
      while (this.running) {
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
        await this.sample();
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.sample();
  }

  private async sample(): Promise<void> {
    const before = Date.now();
    const server = await this.env.currentTimeMs();
    const offset = server - (before + Date.now()) / 2;
    const last = this.plateaus.at(-1);
    if (last && Math.abs(offset - last.offset) <= SAME_OFFSET_MS) last.lastServer = Math.max(last.lastServer, server);
    else this.plateaus.push({ firstServer: server, lastServer: server, offset });
  }

  /** Skipped time (ms) up to server time `serverMs`, counted from the clock's first sample. */
  modelMs(serverMs: number): number {
    const base = this.plateaus[0]?.offset ?? 0;
    let offset = base;
    for (let i = 0; i < this.plateaus.length; i++) {
      const p = this.plateaus[i]!;
      if (serverMs < p.firstServer) {
        const before = this.plateaus[i - 1];
        // Between two plateaus: the skip lies between them; take the nearer side.
        if (before && serverMs - before.lastServer < p.firstServer - serverMs) offset = before.offset;
        else offset = p.offset;
        return Math.round(offset - base);
      }
      offset = p.offset;
      if (serverMs <= p.lastServer) break;
    }
    return Math.round(offset - base);
  }
}
