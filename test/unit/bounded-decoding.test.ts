import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../connection/codec';
import { GzipPayloadCodec, MAX_INFLATED_BYTES } from '../../connection/compression-codec';
import { approvePayload, parsePayload, UNDECODABLE_FIELD } from '../../plan/messages';
import { gzipBomb } from '../helpers/bombs';

const value = (p: unknown) => defaultPayloadConverter.fromPayload(p as never);

describe('bounded decoding', () => {
  it('a 200 MB gzip bomb decodes to a refusal without inflating it', async () => {
    const bomb = await gzipBomb(200 * 1024 * 1024);
    expect(bomb.data!.length).toBeLessThan(400 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const [decoded] = await new GzipPayloadCodec().decode([bomb]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 * MAX_INFLATED_BYTES);
    const refused = value(decoded) as Record<string, string>;
    expect(refused[UNDECODABLE_FIELD]).toMatch(/inflates past 16777216 bytes/);
    expect(parsePayload(approvePayload, refused)).toEqual({ ok: false, reason: expect.stringMatching(/^undecodable payload: a binary\/gzip payload inflates/) });
  });

  it('the budget is for all payloads of one message together', async () => {
    const codec = new GzipPayloadCodec(0, 3000);
    const payloads = await codec.encode([1, 2, 3].map(() => defaultPayloadConverter.toPayload('x'.repeat(1200))));
    const decoded = (await codec.decode(payloads)).map(value);
    expect(decoded.slice(0, 2)).toEqual(['x'.repeat(1200), 'x'.repeat(1200)]);
    expect(decoded[2]).toEqual({ [UNDECODABLE_FIELD]: expect.stringMatching(/inflates past 3000/) });
  });

  it('corrupt gzip and a tampered sealed payload decode to refusals, not exceptions', async () => {
    const [corrupt] = await new GzipPayloadCodec().decode([{ metadata: { encoding: Buffer.from('binary/gzip') }, data: Buffer.from('not gzip') }]);
    expect(value(corrupt)).toEqual({ [UNDECODABLE_FIELD]: expect.stringMatching(/not valid gzip/) });
    const codec = new AesGcmPayloadCodec(randomBytes(32));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    const tampered = { ...sealed!, data: Buffer.from(sealed!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    const [opened] = await codec.decode([tampered]);
    expect(value(opened)).toEqual({ [UNDECODABLE_FIELD]: expect.stringMatching(/fails authentication/) });
  });
});
