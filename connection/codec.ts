import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { GzipPayloadCodec } from './compression-codec';
import { undecodablePayload } from './undecodable';

/**
 * Optional payload encryption: every payload (workflow and activity inputs and results, signal,
 * update and query arguments, failure details, and failure messages) is sealed with AES-256-GCM
 * before it leaves the process, so the Temporal service stores only ciphertext. Client, workers,
 * replay and the Web UI's codec endpoint all use the converter built here. Search attributes
 * are never encrypted (Temporal indexes them): keep secrets out of them.
 */

/** Environment variable holding the key: 32 random bytes, base64 (`openssl rand -base64 32`). Unset: no encryption. */
export const PAYLOAD_KEY_ENV = 'MAESTRO_PAYLOAD_KEY';
/** `encoding` metadata of a sealed payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was sealed with (a hash prefix, not the key). */
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key in the environment is unusable (exit 2 in the CLI). */
export class PayloadKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadKeyError';
  }
}

/** The key from `MAESTRO_PAYLOAD_KEY`, or undefined when it is unset or blank. */
export function payloadKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const text = env[PAYLOAD_KEY_ENV]?.trim();
  if (!text) return undefined;
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length !== KEY_BYTES) {
    throw new PayloadKeyError(`${PAYLOAD_KEY_ENV} must be ${KEY_BYTES} bytes in base64 (make one with \`openssl rand -base64 32\`)`);
  }
  return key;
}

/** Short, stable, non-secret name of a key: the first 8 hex digits of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM over the whole serialized payload (metadata included), laid out as
 * `iv (12) | ciphertext | tag (16)` — the layout of Temporal's encryption samples in other SDKs.
 * Without a key it encrypts nothing and lets plain payloads through; it refuses, with a reason,
 * to decode a sealed payload it has no key for or sealed with another key (a configuration
 * error: the workflow task retries until the key is fixed). A payload that is truncated or fails
 * authentication decodes to the `undecodable` stand-in (connection/undecodable.ts). Plain payloads are always accepted, so a
 * `temporal workflow signal --input` sent to an encrypted run still arrives.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly id: string | undefined;

  constructor(private readonly key?: Buffer) {
    if (key && key.length !== KEY_BYTES) throw new PayloadKeyError(`an AES-256 key has ${KEY_BYTES} bytes, not ${key.length}`);
    this.id = key ? keyId(key) : undefined;
  }

  /** Whether this codec encrypts. */
  get encrypts(): boolean {
    return this.key !== undefined;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { key, id } = this;
    if (!key || !id) return payloads;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const sealedWith = text(payload.metadata?.[KEY_ID_METADATA]) ?? '?';
      if (!this.key) throw new PayloadKeyError(`a payload is encrypted (key ${sealedWith}) and ${PAYLOAD_KEY_ENV} is not set here`);
      if (sealedWith !== this.id) throw new PayloadKeyError(`a payload is encrypted with key ${sealedWith}, but ${PAYLOAD_KEY_ENV} here is key ${this.id}`);
      // From here the key is right and the payload itself is bad (truncated, tampered with):
      // a stand-in the message handlers refuse, not an exception that would wedge the run.
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) return undecodablePayload('an encrypted payload is truncated');
      try {
        const decipher = createDecipheriv(CIPHER, this.key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        return undecodablePayload('an encrypted payload fails authentication (tampered with, or not sealed by Maestro)');
      }
    });
  }
}

/** The failure converter module used when encrypting: failure messages and stack traces become a sealed payload too. */
export const ENCODED_FAILURE_CONVERTER_PATH = require.resolve('./encoded-failure-converter');

/**
 * The data converter of every Maestro process (CLI, workers, replay), from `MAESTRO_PAYLOAD_KEY`.
 * A prebuilt workflow bundle must be built with the same `failureConverterPath`
 * (`bundleWorkflowCode({ ..., failureConverterPath })`).
 */
export function maestroDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const key = payloadKeyFromEnv(env);
  return {
    // Encoded in this order, decoded in reverse: compress, then encrypt.
    payloadCodecs: [new GzipPayloadCodec(), new AesGcmPayloadCodec(key)],
    ...(key ? { failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH } : {}),
  };
}

function utf8(value: string): Uint8Array {
  return Buffer.from(value, 'utf8');
}

function text(value: Uint8Array | null | undefined): string | undefined {
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
