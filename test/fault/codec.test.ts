import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { GzipPayloadCodec } from '../../connection/compression-codec';
import { AesGcmPayloadCodec, ENCODED_FAILURE_CONVERTER_PATH, ENCRYPTED_ENCODING, keyId, maestroDataConverter, PayloadKeyError, payloadKeyFromEnv } from '../../connection/codec';
import { startCodecServer, type CodecServer } from '../../workers/codec-server';
import { gzipBomb } from '../helpers/bombs';

const key = randomBytes(32);
const codec = new AesGcmPayloadCodec(key);
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('utf8');

describe('AES-256-GCM payload codec', () => {
  it('seals a payload, metadata included, and opens it again', async () => {
    const [sealed] = await codec.encode([plain({ argv: ['psql', 'secret-marker'] })]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe(keyId(key));
    expect(Object.keys(sealed!.metadata!)).toEqual(['encoding', 'encryption-key-id']);
    expect(text(sealed!)).not.toContain('secret-marker');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ argv: ['psql', 'secret-marker'] });
  });

  it('never seals two payloads alike (a fresh IV each time)', async () => {
    const [a, b] = await codec.encode([plain('same'), plain('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('lets plain payloads through (a `temporal workflow signal --input` to an encrypted run)', async () => {
    const payload = plain({ approver: 'ops-lead' });
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  it('refuses a tampered payload, a payload of another key, and a sealed payload without a key', async () => {
    const [sealed] = await codec.encode([plain('x')]);
    const tampered = { ...sealed!, data: Buffer.from(sealed!.data!).map((byte, i) => (i === 20 ? byte ^ 1 : byte)) };
    // A bad payload under the right key is refused as a value (test/unit/bounded-decoding.test.ts).
    expect(defaultPayloadConverter.fromPayload((await codec.decode([tampered]))[0]!)).toEqual({ maestroUndecodable: expect.stringMatching(/fails authentication/) });
    await expect(new AesGcmPayloadCodec(randomBytes(32)).decode([sealed!])).rejects.toThrow(PayloadKeyError);
    await expect(new AesGcmPayloadCodec().decode([sealed!])).rejects.toThrow(/MAESTRO_PAYLOAD_KEY is not set/);
  });

  it('encrypts nothing without a key', async () => {
    const payload = plain('x');
    expect(await new AesGcmPayloadCodec().encode([payload])).toEqual([payload]);
    expect(maestroDataConverter({}).failureConverterPath).toBeUndefined();
  });

  it('reads the key from MAESTRO_PAYLOAD_KEY and refuses a malformed one', () => {
    expect(payloadKeyFromEnv({ MAESTRO_PAYLOAD_KEY: key.toString('base64') })?.equals(key)).toBe(true);
    expect(payloadKeyFromEnv({ MAESTRO_PAYLOAD_KEY: ' ' })).toBeUndefined();
    expect(() => payloadKeyFromEnv({ MAESTRO_PAYLOAD_KEY: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
    expect(() => payloadKeyFromEnv({ MAESTRO_PAYLOAD_KEY: 'not base64!' })).toThrow(PayloadKeyError);
    expect(maestroDataConverter({ MAESTRO_PAYLOAD_KEY: key.toString('base64') }).failureConverterPath).toBe(ENCODED_FAILURE_CONVERTER_PATH);
  });
});

describe('codec endpoint for the Web UI', () => {
  const uiOrigin = 'http://127.0.0.1:8233';
  let server: CodecServer;

  beforeAll(async () => {
    server = await startCodecServer({ codecs: [new GzipPayloadCodec(), codec], uiOrigins: [uiOrigin] });
  });

  afterAll(async () => {
    await server?.close();
  });

  const post = (path: string, body: unknown, origin = uiOrigin) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: origin }, body: JSON.stringify(body) });
  const asJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
    data: Buffer.from(p.data!).toString('base64'),
  });

  it('answers the UI’s CORS preflight', async () => {
    const res = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: uiOrigin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('decodes what the workers sealed and encodes what the UI sends', async () => {
    const [sealed] = await codec.encode([plain({ step: 'migrate' })]);
    const decoded = await post('/decode', { payloads: [asJson(sealed!)] });
    expect(decoded.status).toBe(200);
    const [payload] = ((await decoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
    expect(Buffer.from(payload!.data, 'base64').toString()).toBe('{"step":"migrate"}');
    expect(Buffer.from(payload!.metadata.encoding!, 'base64').toString()).toBe('json/plain');

    const encoded = await post('/encode', { payloads: [payload] });
    const [again] = ((await encoded.json()) as { payloads: Array<{ metadata: Record<string, string> }> }).payloads;
    expect(Buffer.from(again!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  });

  it('answers only the UI: a local process without an Origin header, or without the token, is refused', async () => {
    const [sealed] = await codec.encode([plain({ secret: 'marker' })]);
    const body = JSON.stringify({ payloads: [asJson(sealed!)] });
    const noOrigin = await fetch(`${server.url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(noOrigin.status).toBe(403);
    expect(await noOrigin.text()).not.toContain('marker');
    const base = new URL(server.url);
    expect(base.pathname.length).toBeGreaterThan(20);
    for (const path of ['/decode', '/wrong-token/decode', `${base.pathname}x/decode`]) {
      const res = await fetch(`${base.origin}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: uiOrigin }, body });
      expect([path, res.status]).toEqual([path, 403]);
    }
    const bomb = await gzipBomb(64 * 1024 * 1024);
    const res = await post('/decode', { payloads: [asJson(bomb)] });
    expect(res.status).toBe(200);
    const [decoded] = ((await res.json()) as { payloads: Array<{ data: string }> }).payloads;
    expect(Buffer.from(decoded!.data, 'base64').toString()).toMatch(/inflates past/);
  });

  it('refuses other origins, other paths and bodies that are not payloads', async () => {
    expect((await post('/decode', { payloads: [] }, 'http://evil.example')).status).toBe(403);
    expect((await post('/other', { payloads: [] })).status).toBe(404);
    expect((await post('/decode', { nope: 1 })).status).toBe(400);
  });
});
