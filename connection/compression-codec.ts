import { gunzipSync, gzipSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { undecodablePayload } from './undecodable';

/** `encoding` metadata of a compressed payload. */
export const GZIP_ENCODING = 'binary/gzip';

/**
 * Payloads from this size up are gzipped. Below it they stay plain JSON, so the Web UI and the
 * Temporal CLI read them without a codec endpoint; above it — a large plan as a run's input, the
 * progress of a run with thousands of services — plans and progress compress ~10×, which keeps
 * them under Temporal's 2 MiB payload limit.
 */
export const COMPRESS_FROM_BYTES = 32 * 1024;

/**
 * Most bytes one decode call may inflate to, all its payloads together. Maestro's own largest
 * payloads (a plan at its size limit, the progress of a 5,000-service run) inflate to a few MiB;
 * gzip reaches ~1000:1, so without a bound a 2 MiB payload (Temporal's limit) could demand 2 GB
 * of a worker. See docs/limits.md.
 */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/**
 * Gzips large payloads (metadata included); passes small and foreign ones through. Decoding is
 * bounded: a payload that would inflate past the budget, or is not valid gzip, decodes to the
 * `undecodable` stand-in (connection/undecodable.ts) with the reason, never to an exception.
 */
export class GzipPayloadCodec implements PayloadCodec {
  constructor(
    private readonly fromBytes = COMPRESS_FROM_BYTES,
    private readonly maxInflatedBytes = MAX_INFLATED_BYTES,
  ) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if ((payload.data?.length ?? 0) < this.fromBytes) return payload;
      const packed = gzipSync(temporal.api.common.v1.Payload.encode(payload).finish());
      return { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: packed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    let budget = this.maxInflatedBytes;
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || Buffer.from(encoding).toString() !== GZIP_ENCODING) return payload;
      let inflated: Buffer;
      try {
        // maxOutputLength stops zlib as soon as the output would pass it: memory stays bounded.
        inflated = gunzipSync(payload.data ?? new Uint8Array(), { maxOutputLength: Math.max(budget, 1) });
      } catch (err) {
        const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
        return undecodablePayload(
          tooLarge
            ? `a ${GZIP_ENCODING} payload inflates past ${this.maxInflatedBytes} bytes (the limit of one message)`
            : `a ${GZIP_ENCODING} payload is not valid gzip`,
        );
      }
      budget -= inflated.length;
      try {
        return temporal.api.common.v1.Payload.decode(inflated);
      } catch {
        return undecodablePayload(`a ${GZIP_ENCODING} payload does not hold a payload`);
      }
    });
  }
}
