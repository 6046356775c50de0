import { createGzip } from 'node:zlib';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { GZIP_ENCODING } from '../../connection/compression-codec';

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 127) {
    bytes.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/**
 * A decompression bomb as a hostile client would send it: a `binary/gzip` payload that inflates
 * to a JSON payload `{"approver": "aaaa…"}` of `inflatedBytes`, built by streaming so the test
 * itself never holds the inflated bytes.
 */
export async function gzipBomb(inflatedBytes: number): Promise<Payload> {
  const prefix = '{"approver":"';
  const suffix = '"}';
  const body = inflatedBytes - prefix.length - suffix.length;
  const head = temporal.api.common.v1.Payload.encode({ metadata: { encoding: Buffer.from('json/plain') } }).finish();
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  gzip.write(Buffer.concat([head, Buffer.from([0x12]), varint(inflatedBytes), Buffer.from(prefix)]));
  const chunk = Buffer.alloc(1 << 20, 'a');
  for (let left = body; left > 0; left -= chunk.length) {
    if (!gzip.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end(Buffer.from(suffix));
  await done;
  return { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: Buffer.concat(out) };
}
