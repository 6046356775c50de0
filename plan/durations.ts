/** Durations as written in plans (`500ms`, `2s`, `5m`, `24h`, `1h30m`, `1d`) and back. */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g;

/**
 * Milliseconds of a duration like `1h30m`, or undefined when the text is not one.
 * Units must come largest first and at most once each, so `30m1h` or `5m5m` (likely typos) are refused.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  let total = 0;
  let lastRank = -1;
  for (const match of trimmed.matchAll(PART)) {
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return Math.round(total);
}

/** A short human form: `1h 30m`, `2.5s`, `500ms`, `0ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(1))}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000) * 1_000;
  // Hours are the largest unit shown: "36h" reads better than "1d 12h" for timeouts.
  for (const unit of ['h', 'm', 's'] as const) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * UNIT_MS[unit];
  }
  return parts.join(' ');
}
