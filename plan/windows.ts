/**
 * Deploy windows (weekly ranges in a time zone) and freezes (absolute ranges): when a new wave
 * may start. Pure, and deterministic for a given ICU time-zone database: workflows call it with
 * workflow time. Time-zone offsets come from `Intl.DateTimeFormat`, which the workflow sandbox
 * has (V8's ICU): daylight-saving changes are the zone's, not a fixed offset.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** `Mon-Fri 09:00-16:00 Europe/Paris`, parsed. */
export interface DeployWindow {
  /** As written, for messages. */
  text: string;
  /** 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** Minutes after local midnight; `end` may be 1440 (24:00). */
  startMinute: number;
  endMinute: number;
  /** IANA time zone. */
  zone: string;
}

/** No new wave starts from `fromMs` to `toMs` unless an approval overrides it. */
export interface Freeze {
  fromMs: number;
  toMs: number;
  reason: string;
}

export type WindowParse = { ok: true; window: DeployWindow } | { ok: false; message: string; hint: string };

const FORMAT_HINT = 'write DAYS HH:MM-HH:MM ZONE, e.g. "Mon-Fri 09:00-16:00 Europe/Paris" or "Sat,Sun 10:00-12:00 UTC"';

export function parseWindow(text: string): WindowParse {
  const match = /^\s*(\S+)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s+(\S+)\s*$/.exec(text);
  if (!match) return { ok: false, message: `malformed window "${text}"`, hint: FORMAT_HINT };
  const [, daysText, h1, m1, h2, m2, zone] = match as unknown as [string, string, string, string, string, string, string];
  const days = parseDays(daysText);
  if (!days) return { ok: false, message: `malformed days "${daysText}" in window "${text}"`, hint: 'days are Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges (Mon-Fri) or lists (Mon,Wed,Fri)' };
  const startMinute = Number(h1) * 60 + Number(m1);
  const endMinute = Number(h2) * 60 + Number(m2);
  if (Number(m1) > 59 || Number(m2) > 59 || startMinute >= 1440 || endMinute > 1440) return { ok: false, message: `malformed time in window "${text}"`, hint: 'times are HH:MM from 00:00 to 24:00' };
  if (endMinute <= startMinute) return { ok: false, message: `window "${text}" ends before it starts`, hint: 'a window cannot cross midnight: split it in two, e.g. "Fri 22:00-24:00 …" and "Sat 00:00-02:00 …"' };
  if (!isTimeZone(zone)) return { ok: false, message: `unknown time zone "${zone}" in window "${text}"`, hint: 'use an IANA zone such as Europe/Paris, America/New_York or UTC' };
  return { ok: true, window: { text: text.trim(), days, startMinute, endMinute, zone } };
}

function parseDays(text: string): number[] | undefined {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to] = part.split('-');
    const a = DAYS.indexOf(from as (typeof DAYS)[number]);
    const b = to === undefined ? a : DAYS.indexOf(to as (typeof DAYS)[number]);
    if (a < 0 || b < 0) return undefined;
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return [...days].sort();
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date and time in `zone` at `utcMs`, as if it were UTC (so date arithmetic is plain). */
function localAsUtc(utcMs: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** `zone`'s offset from UTC at `utcMs` (ms; +1 h for Paris in winter, +2 h in summer). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  return localAsUtc(Math.floor(utcMs / 1000) * 1000, zone) - Math.floor(utcMs / 1000) * 1000;
}

/** The UTC instant of a local wall-clock time (as-if-UTC ms) in `zone`; in a DST gap, the instant just after it. */
function localToUtc(localMs: number, zone: string): number {
  const guess = localMs - zoneOffsetMs(zone, localMs);
  return localMs - zoneOffsetMs(zone, guess);
}

export function inWindow(utcMs: number, w: DeployWindow): boolean {
  const local = localAsUtc(utcMs, w.zone);
  const day = new Date(local).getUTCDay();
  const minute = Math.floor((local % DAY_MS) / MINUTE_MS);
  return w.days.includes(day) && minute >= w.startMinute && minute < w.endMinute;
}

/** The next instant at or after `utcMs` when `w` is open. */
export function nextOpening(utcMs: number, w: DeployWindow): number {
  if (inWindow(utcMs, w)) return utcMs;
  const today = Math.floor(localAsUtc(utcMs, w.zone) / DAY_MS) * DAY_MS;
  for (let k = 0; k <= 8; k++) {
    const localDay = today + k * DAY_MS;
    if (!w.days.includes(new Date(localDay).getUTCDay())) continue;
    const opening = localToUtc(localDay + w.startMinute * MINUTE_MS, w.zone);
    if (opening >= utcMs) return opening;
  }
  return utcMs + 7 * DAY_MS; // unreachable for a window with at least one day
}

/** What holds a new wave back at `nowMs`, if anything. */
export type WindowDecision =
  | { open: true }
  | { open: false; kind: 'freeze'; untilMs: number; freeze: Freeze; index: number }
  | { open: false; kind: 'window'; untilMs: number };

/**
 * May a new wave start at `nowMs`? Not during a freeze (unless `overridden` holds its index),
 * nor outside every window (no windows: always inside). Says until when it is held back.
 */
export function windowDecision(nowMs: number, windows: readonly DeployWindow[], freezes: readonly Freeze[], overridden: ReadonlySet<number> = new Set()): WindowDecision {
  const index = freezes.findIndex((f, i) => !overridden.has(i) && f.fromMs <= nowMs && nowMs < f.toMs);
  if (index >= 0) return { open: false, kind: 'freeze', untilMs: freezes[index]!.toMs, freeze: freezes[index]!, index };
  if (windows.length === 0 || windows.some((w) => inWindow(nowMs, w))) return { open: true };
  return { open: false, kind: 'window', untilMs: Math.min(...windows.map((w) => nextOpening(nowMs, w))) };
}

/** How an override names the freeze it overrides: in the audit trail, and in what a signed override signs. */
export function freezeTarget(reason: string): string {
  return `freeze "${reason}"`;
}
