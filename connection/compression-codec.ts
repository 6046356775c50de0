import { gunzipSync, gzipSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** `encoding` metadata of a compressed payload. */
export const GZIP_ENCODING = 'binary/gzip';

/**
 * Payloads from this size up are gzipped. Below it they stay plain JSON, so the Web UI and the
 * Temporal CLI read them without a codec endpoint; above it — a large plan as a run's input, the
 * progress of a run with thousands of services — plans and progress compress ~10×, which keeps
 * them under Temporal's 2 MiB payload limit.
 */
export const COMPRESS_FROM_BYTES = 32 * 1024;

/** Gzips large payloads (metadata included); passes small and foreign ones through. */
export class GzipPayloadCodec implements PayloadCodec {
  constructor(private readonly fromBytes = COMPRESS_FROM_BYTES) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if ((payload.data?.length ?? 0) < this.fromBytes) return payload;
      const packed = gzipSync(temporal.api.common.v1.Payload.encode(payload).finish());
      return { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: packed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || Buffer.from(encoding).toString() !== GZIP_ENCODING) return payload;
      return temporal.api.common.v1.Payload.decode(gunzipSync(payload.data ?? new Uint8Array()));
    });
  }
}
