/**
 * Payloads of the messages operators send to a run (approve, reject, decide, abort, pause). They
 * come from the CLI, the Temporal CLI or the Web UI, so they are checked like any other input.
 *
 * Checked by hand rather than with zod: these checks run inside the workflow sandbox, where every
 * workflow (each service child too) evaluates every bundled module again. zod cost each workflow
 * ~10 ms of CPU and ~1.5 MB (bench/RESULTS.md, "zod in the workflow bundle"), for five flat shapes.
 */

/** One field: its check returns the cleaned value, or why it is refused. */
interface Field<T> {
  check(value: unknown): { value: T } | { error: string };
  optional?: true;
  fallback?: T;
}

/** A strict object shape; `parsePayload` runs it. */
export interface PayloadSchema<T> {
  fields: { [K in keyof T]-?: Field<T[K]> };
  /** The payload may be left out entirely (pause, resume). */
  optional?: true;
}

function text(opts: { max: number; min?: number; trim?: true }): Field<string> {
  return {
    check(value) {
      if (typeof value !== 'string') return { error: `expected a string, got ${describe(value)}` };
      const v = opts.trim ? value.trim() : value;
      if (v.length < (opts.min ?? 0)) return { error: 'is required' };
      if (v.length > opts.max) return { error: `at most ${opts.max} characters, got ${v.length}` };
      return { value: v };
    },
  };
}

function optional<T>(field: Field<T>): Field<T | undefined> {
  return { ...field, optional: true };
}

const positiveInt: Field<number> = {
  check: (value) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? { value } : { error: `expected a positive integer, got ${describe(value)}` }),
};

function oneOf<T extends string>(choices: readonly T[]): Field<T> {
  return {
    check: (value) =>
      typeof value === 'string' && (choices as readonly string[]).includes(value) ? { value: value as T } : { error: `expected one of ${choices.join(', ')}, got ${describe(value)}` },
  };
}

const bool: Field<boolean> = { check: (value) => (typeof value === 'boolean' ? { value } : { error: `expected true or false, got ${describe(value)}` }) };

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value === 'object' ? 'an object' : String(value);
}

const approver = text({ min: 1, max: 200, trim: true });
const comment = optional(text({ max: 2000 }));
/** An SSHSIG over the answer's statement (plan/approval-signature.ts) and when it was made. */
const signature = optional(text({ max: 4000 }));
const signedAt = optional(text({ max: 40 }));

export interface ApprovePayload {
  approver: string;
  wave?: number;
  service?: string;
  comment?: string;
  signature?: string;
  signedAt?: string;
}
export const approvePayload: PayloadSchema<ApprovePayload> = {
  fields: { approver, wave: optional(positiveInt), service: optional(text({ min: 1, max: 200 })), comment, signature, signedAt },
};

export interface RejectPayload {
  approver: string;
  wave?: number;
  service?: string;
  reason: string;
  signature?: string;
  signedAt?: string;
}
export const rejectPayload: PayloadSchema<RejectPayload> = {
  fields: { approver, wave: optional(positiveInt), service: optional(text({ min: 1, max: 200 })), reason: text({ min: 1, max: 2000, trim: true }), signature, signedAt },
};

/** Lets new waves start during the freeze holding the run; a reason is required (it goes into the audit trail). */
export interface OverrideFreezePayload {
  approver: string;
  reason: string;
  signature?: string;
  signedAt?: string;
}
export const overrideFreezePayload: PayloadSchema<OverrideFreezePayload> = { fields: { approver, reason: text({ min: 1, max: 2000, trim: true }), signature, signedAt } };

/**
 * A live change to a running run (`maestro tune`): exactly one of the four settings. Flat on the
 * wire so the Temporal CLI can send it (`--input '{"approver":"ops","excludeNode":"macpro51"}'`);
 * plan/tuning.ts turns it into a TuneChange.
 */
export interface TunePayload {
  approver: string;
  maxParallel?: number;
  excludeNode?: string;
  includeNode?: string;
  pauseAfterWave?: number;
  comment?: string;
  signature?: string;
  signedAt?: string;
}
const nodeName = optional(text({ min: 1, max: 200, trim: true }));
export const tunePayload: PayloadSchema<TunePayload> = {
  fields: { approver, maxParallel: optional(positiveInt), excludeNode: nodeName, includeNode: nodeName, pauseAfterWave: optional(positiveInt), comment, signature, signedAt },
};

export const DECISIONS = ['retry', 'skip', 'rollback', 'abort'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The command that answers an open gate, as status, watch and the Web UI suggest it. */
export function approveHint(runId: string, gate: { wave?: number; service?: string }): string {
  return `maestro approve ${runId} --as NAME ${gate.wave !== undefined ? `--wave ${gate.wave}` : `--service ${gate.service ?? '?'}`}`;
}

/** What status, watch and the Web UI say while a wave waits for its window or a freeze. */
export function windowWaitLine(wait: { wave: number; kind: 'window' | 'freeze'; until: string; reason: string }): string {
  return wait.kind === 'window'
    ? `wave ${wait.wave} waiting for window until ${wait.until} (${wait.reason})`
    : `wave ${wait.wave} waiting for freeze "${wait.reason}" to end at ${wait.until} (override: maestro approve RUN --freeze --reason T --as NAME)`;
}

/** The command that answers a pending decision. */
export function decideHint(runId: string): string {
  return `maestro decide ${runId} ${DECISIONS.join('|')} --as NAME`;
}

export interface DecidePayload {
  action: Decision;
  approver: string;
  comment?: string;
  signature?: string;
  signedAt?: string;
}
export const decidePayload: PayloadSchema<DecidePayload> = { fields: { action: oneOf(DECISIONS), approver, comment, signature, signedAt } };

/** As sent: `rollback` may be left out. */
export interface AbortPayload {
  /** Undo what succeeded. Default true. */
  rollback?: boolean;
  by?: string;
  reason?: string;
  /** A signed run with approval keys: SSHSIG over (run, plan hash, abort, rollback | no-rollback, time). */
  signature?: string;
  signedAt?: string;
}
export const abortPayload: PayloadSchema<AbortPayload & { rollback: boolean }> = {
  fields: { rollback: { ...bool, fallback: true }, by: optional(text({ max: 200 })), reason: optional(text({ max: 2000 })), signature, signedAt },
};

/** What a signed abort binds besides the run: whether it rolls back. */
export const abortTarget = (rollback: boolean): string => (rollback ? 'rollback' : 'no-rollback');

export type PausePayload = { by?: string } | undefined;
export const pausePayload: PayloadSchema<{ by?: string }> = { fields: { by: optional(text({ max: 200 })) }, optional: true };

/**
 * The field of the stand-in value a payload decodes to when Maestro's codecs refuse it (a gzip
 * bomb, a tampered sealed payload: connection/undecodable.ts); its value says why.
 */
export const UNDECODABLE_FIELD = 'maestroUndecodable';

/** Longest refusal reason kept: a payload with a thousand unknown keys must not make a megabyte of audit. */
export const MAX_REASON_CHARS = 500;

/** Checks a payload; returns the cleaned value, or one line saying everything that is wrong with it. */
export function parsePayload<T>(schema: PayloadSchema<T>, payload: unknown): { ok: true; value: T } | { ok: false; reason: string } {
  if (payload === undefined && schema.optional) return { ok: true, value: undefined as T };
  const undecodable = (payload as Record<string, unknown> | null | undefined)?.[UNDECODABLE_FIELD];
  if (typeof undecodable === 'string') return { ok: false, reason: clip(`undecodable payload: ${undecodable}`) };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: `malformed payload: expected an object, got ${describe(payload)}` };
  }
  const input = payload as Record<string, unknown>;
  const fields = schema.fields as Record<string, Field<unknown>>;
  const problems = Object.keys(input)
    .filter((key) => !(key in fields))
    .map((key) => `${clip(key, 40)}: unknown field (expected ${Object.keys(fields).join(', ')})`);
  const value: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const raw = input[key];
    if (raw === undefined) {
      if (field.fallback !== undefined) value[key] = field.fallback;
      else if (!field.optional) problems.push(`${key}: is required`);
      continue;
    }
    const checked = field.check(raw);
    if ('error' in checked) problems.push(`${key}: ${checked.error}`);
    else value[key] = checked.value;
  }
  return problems.length ? { ok: false, reason: clip(`malformed payload: ${problems.join('; ')}`) } : { ok: true, value: value as T };
}

/** `text` cut to `max` characters, marked with an ellipsis when cut. */
export function clip(text: string, max = MAX_REASON_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
