import type { Payload } from '@temporalio/common';
import { UNDECODABLE_FIELD } from '../plan/messages';

/**
 * A payload Maestro will not decode — a gzip bomb, corrupt gzip, a sealed payload that fails its
 * authentication — becomes this JSON value instead of an exception. An exception in a worker's
 * codec fails the workflow task, and because the payload stays in history every retry fails
 * again: one hostile signal would wedge the run for good. As a value, a message handler refuses
 * it like any malformed payload (plan/messages.ts) and the run goes on.
 */
/** The stand-in payload: `{"maestroUndecodable": reason}` as plain JSON. */
export function undecodablePayload(reason: string): Payload {
  return {
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from(JSON.stringify({ [UNDECODABLE_FIELD]: reason })),
  };
}
