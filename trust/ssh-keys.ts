import { sha256 } from '@noble/hashes/sha2';
import { SshReader, concat, equalBytes, fromBase64, sshString, toBase64 } from './bytes';

export const ED25519 = 'ssh-ed25519';

/** An ed25519 public key, as OpenSSH writes it: `ssh-ed25519 AAAA… comment`. */
export interface PublicKey {
  type: typeof ED25519;
  /** The raw 32-byte key. */
  key: Uint8Array;
}

/** The SSH wire blob of a public key: string "ssh-ed25519", string key. */
export function publicKeyBlob(pub: PublicKey): Uint8Array {
  return concat(sshString(ED25519), sshString(pub.key));
}

/** Reads a public key blob; only ed25519 is accepted. */
export function parsePublicKeyBlob(blob: Uint8Array, where = 'public key'): PublicKey {
  const r = new SshReader(blob, where);
  const type = r.string('key type');
  if (type !== ED25519) throw new Error(`${where}: key type ${type} is not supported (only ${ED25519})`);
  const key = r.bytesOf('key');
  if (key.length !== 32) throw new Error(`${where}: an ed25519 key is 32 bytes, got ${key.length}`);
  return { type: ED25519, key: new Uint8Array(key) };
}

/** `ssh-ed25519 AAAA…` (no comment). */
export function formatPublicKey(pub: PublicKey): string {
  return `${ED25519} ${toBase64(publicKeyBlob(pub))}`;
}

/** Parses `ssh-ed25519 AAAA… [comment]`. */
export function parsePublicKeyText(text: string, where = 'public key'): PublicKey {
  const [type, data] = text.trim().split(/\s+/);
  if (type !== ED25519) throw new Error(`${where}: key type ${type ?? '(none)'} is not supported (only ${ED25519})`);
  if (!data) throw new Error(`${where}: no key data after ${type}`);
  const pub = parsePublicKeyBlob(fromBase64(data), where);
  return pub;
}

/** The fingerprint `ssh-keygen -l` prints: `SHA256:` and unpadded base64 of the blob's SHA-256. */
export function fingerprint(pub: PublicKey): string {
  return `SHA256:${toBase64(sha256(publicKeyBlob(pub)), false)}`;
}

export function sameKey(a: PublicKey, b: PublicKey): boolean {
  return equalBytes(a.key, b.key);
}
