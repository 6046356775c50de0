import { defaultPayloadConverter } from '@temporalio/common';
import { COMPRESS_FROM_BYTES, GZIP_ENCODING, GzipPayloadCodec } from '../../connection/compression-codec';

describe('GzipPayloadCodec', () => {
  const codec = new GzipPayloadCodec();

  it('leaves small payloads as plain JSON, readable without a codec', async () => {
    const payload = defaultPayloadConverter.toPayload({ approver: 'ops-lead' });
    expect(await codec.encode([payload])).toEqual([payload]);
  });

  it('compresses a large, repetitive payload well under the size limit and restores it exactly', async () => {
    const services = Array.from({ length: 5000 }, (_, i) => ({ name: `svc-${i}`, state: 'succeeded', node: 'macpro51', steps: [{ name: 'deploy', state: 'succeeded' }] }));
    const payload = defaultPayloadConverter.toPayload({ services });
    expect(payload.data!.length).toBeGreaterThan(COMPRESS_FROM_BYTES);

    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe(GZIP_ENCODING);
    expect(encoded!.data!.length).toBeLessThan(payload.data!.length / 10);

    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ services });
  });
});
