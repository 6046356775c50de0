/** The CLI's flag values that are not plain text; a bad one is invalid input (exit 2) naming the flag. */
import { formatDuration, parseDuration } from '../../plan/durations';
import { InvalidInputError } from '../errors';

/** Longest duration a flag takes: ten years (a date this far back or ahead is still a valid date). */
const MAX_FLAG_DURATION_MS = 3650 * 86_400_000;

/** Milliseconds of a duration flag such as `500ms`, `30s` or `1h30m`; under `minMs` (default 1 ms, so `0s` too) or over ten years is refused. */
export function durationFlag(flag: string, text: string, minMs = 1): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidInputError(`${flag}: malformed duration "${text}"`, 'Use a number and a unit, largest first, e.g. 500ms, 30s, 5m, 1h30m or 30d.');
  if (ms < minMs) throw new InvalidInputError(`${flag}: must be at least ${formatDuration(minMs)}, got "${text}"`);
  if (ms > MAX_FLAG_DURATION_MS) throw new InvalidInputError(`${flag}: at most 3650d, got "${text.slice(0, 40)}"`);
  return ms;
}

/** Temporal's default `limit.maxIDLength`. */
const MAX_ID_CHARS = 1000;

/** A run id to look up (`status`, `approve`, …): not empty, printable, within Temporal's id length. */
export function lookupIdArgument(id: string): void {
  if (id.trim() === '') throw new InvalidInputError('the run id is empty', 'Give a run id, as `maestro list` shows them.');
  if (id.length > MAX_ID_CHARS) throw new InvalidInputError(`the run id has ${id.length} characters; Temporal ids have at most ${MAX_ID_CHARS}`);
  if (/\p{Cc}/u.test(id)) throw new InvalidInputError('the run id contains control characters');
}

/** A whole-number flag from `min` (default 1) to `max` (default: no bound). */
export function intFlag(flag: string, text: string, { min = 1, max = Infinity }: { min?: number; max?: number } = {}): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new InvalidInputError(`${flag}: expected a whole number ${range}, got "${text}"`);
  }
  return n;
}

/** `HOST:PORT` (an IPv6 host in brackets); port 0 lets the system pick one. */
export function hostPortFlag(flag: string, text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InvalidInputError(`${flag}: expected HOST:PORT, got "${text}"`, 'For example 127.0.0.1:9464, or 0.0.0.0:9464 to be scraped from other machines.');
  return { host: match[1] ?? match[2]!, port };
}
