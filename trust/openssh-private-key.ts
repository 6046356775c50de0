import { SshReader, concat, equalBytes, fromBase64, sshString, sshUint32, toBase64, utf8 } from './bytes';
import { ED25519 } from './ssh-keys';
import type { SigningKey } from './sshsig';

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const AUTH_MAGIC = utf8('openssh-key-v1\0');

/**
 * Reads an unencrypted ed25519 key in OpenSSH's format (`ssh-keygen -t ed25519 -N ''`,
 * PROTOCOL.key). An encrypted key is refused with what to do: Maestro does not ask for
 * passphrases (use an unencrypted key with tight file permissions, or a dedicated key).
 */
export function parseOpenSshPrivateKey(text: string, where = 'private key'): SigningKey & { comment: string } {
  const trimmed = text.trim();
  if (!trimmed.startsWith(BEGIN) || !trimmed.includes(END)) {
    throw new Error(`${where}: not an OpenSSH private key (expected ${BEGIN}; make one with ssh-keygen -t ed25519)`);
  }
  const bytes = fromBase64(trimmed.slice(BEGIN.length, trimmed.indexOf(END)));
  if (!equalBytes(bytes.subarray(0, AUTH_MAGIC.length), AUTH_MAGIC)) throw new Error(`${where}: not an openssh-key-v1 key`);
  const r = new SshReader(bytes.subarray(AUTH_MAGIC.length), where);
  const cipher = r.string('cipher name');
  const kdf = r.string('kdf name');
  r.bytesOf('kdf options');
  if (cipher !== 'none' || kdf !== 'none') {
    throw new Error(`${where}: the key is passphrase-protected (${cipher}); Maestro needs an unencrypted key (ssh-keygen -t ed25519 -N '')`);
  }
  const count = r.uint32('key count');
  if (count !== 1) throw new Error(`${where}: expected one key, found ${count}`);
  r.bytesOf('public key');
  const p = new SshReader(r.bytesOf('private section'), where);
  if (p.uint32('check 1') !== p.uint32('check 2')) throw new Error(`${where}: corrupt private section (check words differ)`);
  const type = p.string('key type');
  if (type !== ED25519) throw new Error(`${where}: key type ${type} is not supported (only ${ED25519})`);
  const pub = p.bytesOf('public part');
  const priv = p.bytesOf('private part');
  if (pub.length !== 32 || priv.length !== 64) throw new Error(`${where}: malformed ed25519 key`);
  if (!equalBytes(priv.subarray(32), pub)) throw new Error(`${where}: private and public parts do not match`);
  const comment = p.string('comment');
  return { seed: new Uint8Array(priv.subarray(0, 32)), publicKey: { type: ED25519, key: new Uint8Array(pub) }, comment };
}

/**
 * Writes an unencrypted ed25519 key in OpenSSH's format, as `ssh-keygen -t ed25519 -N ''` does,
 * for the local key `maestro dev` makes on first use. `checkWord` is random in ssh-keygen's keys;
 * it only tells a right passphrase from a wrong one, so any value is valid for an unencrypted key.
 */
export function formatOpenSshPrivateKey(key: SigningKey, comment: string, checkWord: number): string {
  const pubBlob = concat(sshString(ED25519), sshString(key.publicKey.key));
  let priv = concat(sshUint32(checkWord), sshUint32(checkWord), sshString(ED25519), sshString(key.publicKey.key), sshString(concat(key.seed, key.publicKey.key)), sshString(comment));
  const padding: number[] = [];
  for (let i = 1; (priv.length + padding.length) % 8 !== 0; i++) padding.push(i);
  priv = concat(priv, new Uint8Array(padding));
  const body = concat(AUTH_MAGIC, sshString('none'), sshString('none'), sshString(''), sshUint32(1), sshString(pubBlob), sshString(priv));
  const lines = toBase64(body).match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}
