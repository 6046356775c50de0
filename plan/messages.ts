import { z } from 'zod';

/**
 * Payloads of the messages operators send to a run (approve, reject, decide, abort). They come
 * from the CLI, the Temporal CLI or the Web UI, so they are checked like any other input.
 */

const approver = z.string().trim().min(1, 'approver is required').max(200);
const wave = z.number().int().positive();
const service = z.string().min(1);

export const approvePayload = z.strictObject({
  approver,
  wave: wave.optional(),
  service: service.optional(),
  comment: z.string().max(2000).optional(),
});
export type ApprovePayload = z.output<typeof approvePayload>;

export const rejectPayload = z.strictObject({
  approver,
  wave: wave.optional(),
  service: service.optional(),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
});
export type RejectPayload = z.output<typeof rejectPayload>;

export const DECISIONS = ['retry', 'skip', 'rollback', 'abort'] as const;
export type Decision = (typeof DECISIONS)[number];

export const decidePayload = z.strictObject({
  action: z.enum(DECISIONS),
  approver,
  comment: z.string().max(2000).optional(),
});
export type DecidePayload = z.output<typeof decidePayload>;

export const abortPayload = z.strictObject({
  /** Undo what succeeded. Default true. */
  rollback: z.boolean().default(true),
  by: z.string().max(200).optional(),
  reason: z.string().max(2000).optional(),
});
export type AbortPayload = z.input<typeof abortPayload>;

export const pausePayload = z.strictObject({ by: z.string().max(200).optional() }).optional();
export type PausePayload = z.input<typeof pausePayload>;

/** Parses a payload; returns the value or one line saying what is wrong with it. */
export function parsePayload<T extends z.ZodType>(schema: T, payload: unknown): { ok: true; value: z.output<T> } | { ok: false; reason: string } {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const reason = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return { ok: false, reason: `malformed payload: ${reason}` };
}
