import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { StepTrust } from '../activities/step-guard';
import { parseAllowedSigners, type TrustSet } from '../trust/allowed-signers';

/** How often a node re-reads its trust file's status; a changed file is picked up within this. */
export const TRUST_POLL_MS = 1_000;

/** Reads and parses a trust file; throws an Error naming the file (and line) when it cannot. */
export function readTrustFile(path: string): TrustSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read trust file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAllowedSigners(text, path);
}

/**
 * A node's trust file, kept current without a restart: re-read when its modification time changes
 * (polled, so a file replaced by an editor or a config tool is seen too) and on `reload()` (SIGHUP).
 * A change that does not parse fails closed: until the file is fixed, no key is trusted and every
 * step is refused naming the problem — a typo while revoking a key must not leave it trusted.
 */
export class WatchedTrustFile {
  readonly path: string;
  private trust: TrustSet;
  private readonly onChange = () => this.reload();

  constructor(
    path: string,
    private readonly logger: Logger,
  ) {
    this.path = resolve(path);
    // At start, an unreadable file is the operator's to fix before anything runs.
    this.trust = readTrustFile(this.path);
    this.report();
  }

  current(): TrustSet {
    return this.trust;
  }

  reload(): void {
    try {
      this.trust = readTrustFile(this.path);
      this.logger.info({ trustFile: this.path, keys: this.trust.signers.length }, 'trust file reloaded');
      this.report();
    } catch (err) {
      this.trust = { signers: [], warnings: [(err as Error).message] };
      this.logger.error({ trustFile: this.path, err }, 'trust file is invalid: every step is refused until it is fixed');
    }
  }

  watch(): this {
    watchFile(this.path, { interval: TRUST_POLL_MS, persistent: false }, this.onChange);
    return this;
  }

  close(): void {
    unwatchFile(this.path, this.onChange);
  }

  /** The StepTrust the node's activities check against. */
  asStepTrust(): StepTrust {
    return { mode: 'verify', current: () => this.current(), source: this.path };
  }

  private report(): void {
    for (const warning of this.trust.warnings) this.logger.warn({ trustFile: this.path }, warning);
  }
}
