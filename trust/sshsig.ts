import { ed25519 } from '@noble/curves/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2';
import { SshReader, concat, fromBase64, sshString, sshUint32, toBase64, utf8 } from './bytes';
import { ED25519, parsePublicKeyBlob, publicKeyBlob, type PublicKey } from './ssh-keys';

/**
 * SSHSIG (OpenSSH's PROTOCOL.sshsig), the format of `ssh-keygen -Y sign`: a detached signature
 * over a namespace and the SHA-512 of the message, so `ssh-keygen -Y verify` checks what Maestro
 * signs and Maestro checks what ssh-keygen signs. Pure JS (noble), so workflows can verify too.
 */

const MAGIC = utf8('SSHSIG');
const VERSION = 1;
const HASH = 'sha512';
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';

/** A private ed25519 key: the 32-byte seed and its public key. */
export interface SigningKey {
  seed: Uint8Array;
  publicKey: PublicKey;
}

export interface Sshsig {
  publicKey: PublicKey;
  namespace: string;
  hashAlgorithm: 'sha512' | 'sha256';
  /** Raw 64-byte ed25519 signature. */
  signature: Uint8Array;
}

/** What is really signed: the magic, namespace, reserved, hash algorithm and the message hash. */
function signedData(namespace: string, hashAlgorithm: string, messageHash: Uint8Array): Uint8Array {
  return concat(MAGIC, sshString(namespace), sshString(''), sshString(hashAlgorithm), sshString(messageHash));
}

function hashMessage(message: Uint8Array, algorithm: string): Uint8Array {
  if (algorithm === 'sha512') return sha512(message);
  if (algorithm === 'sha256') return sha256(message);
  throw new Error(`SSH signature: hash algorithm ${algorithm} is not supported`);
}

/** Signs `message` under `namespace`; returns the armored SSHSIG, as `ssh-keygen -Y sign` writes it. */
export function signSshsig(message: Uint8Array | string, namespace: string, key: SigningKey): string {
  const bytes = typeof message === 'string' ? utf8(message) : message;
  const signature = ed25519.sign(signedData(namespace, HASH, sha512(bytes)), key.seed);
  return armor({ publicKey: key.publicKey, namespace, hashAlgorithm: HASH, signature });
}

export function encodeSshsig(sig: Sshsig): Uint8Array {
  const sigBlob = concat(sshString(ED25519), sshString(sig.signature));
  return concat(MAGIC, sshUint32(VERSION), sshString(publicKeyBlob(sig.publicKey)), sshString(sig.namespace), sshString(''), sshString(sig.hashAlgorithm), sshString(sigBlob));
}

export function armor(sig: Sshsig): string {
  const b64 = toBase64(encodeSshsig(sig));
  const lines = b64.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/** Parses an armored (or bare base64) SSHSIG; throws naming what is wrong. */
export function parseSshsig(text: string): Sshsig {
  const trimmed = text.trim();
  let body = trimmed;
  if (trimmed.startsWith(BEGIN)) {
    const end = trimmed.indexOf(END);
    if (end < 0) throw new Error(`SSH signature: no ${END} line`);
    body = trimmed.slice(BEGIN.length, end);
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(body);
  } catch (err) {
    throw new Error(`SSH signature: ${(err as Error).message}`);
  }
  const r = new SshReader(bytes, 'SSH signature');
  const magic = r.raw(6, 'magic');
  if (String.fromCharCode(...magic) !== 'SSHSIG') throw new Error('SSH signature: not an SSHSIG blob');
  const version = r.uint32('version');
  if (version !== VERSION) throw new Error(`SSH signature: version ${version} is not supported`);
  const publicKey = parsePublicKeyBlob(r.bytesOf('public key'), 'SSH signature key');
  const namespace = r.string('namespace');
  r.bytesOf('reserved');
  const hashAlgorithm = r.string('hash algorithm');
  if (hashAlgorithm !== 'sha512' && hashAlgorithm !== 'sha256') throw new Error(`SSH signature: hash algorithm ${hashAlgorithm} is not supported`);
  const sr = new SshReader(r.bytesOf('signature'), 'SSH signature');
  const type = sr.string('signature type');
  if (type !== ED25519) throw new Error(`SSH signature: signature type ${type} is not supported`);
  const signature = sr.bytesOf('signature bytes');
  if (signature.length !== 64) throw new Error(`SSH signature: an ed25519 signature is 64 bytes, got ${signature.length}`);
  return { publicKey, namespace, hashAlgorithm, signature: new Uint8Array(signature) };
}

export type SshsigCheck = { ok: true; sig: Sshsig } | { ok: false; reason: string };

/**
 * Checks a signature over `message` in `namespace`. Says nothing about whether the key is trusted:
 * that is the allowed-signers lookup's job. Never throws.
 */
export function verifySshsig(signature: string | Sshsig, message: Uint8Array | string, namespace: string): SshsigCheck {
  let sig: Sshsig;
  try {
    sig = typeof signature === 'string' ? parseSshsig(signature) : signature;
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (sig.namespace !== namespace) return { ok: false, reason: `signature is for namespace "${sig.namespace}", not "${namespace}"` };
  const bytes = typeof message === 'string' ? utf8(message) : message;
  let valid = false;
  try {
    valid = ed25519.verify(sig.signature, signedData(sig.namespace, sig.hashAlgorithm, hashMessage(bytes, sig.hashAlgorithm)), sig.publicKey.key);
  } catch {
    valid = false;
  }
  return valid ? { ok: true, sig } : { ok: false, reason: 'signature does not match the signed content (tampered, or signed over something else)' };
}
