import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOpenSshPrivateKey } from '../../trust/openssh-private-key';
import type { SigningKey } from '../../trust/sshsig';

/** Keys made by the real `ssh-keygen`, as an operator would make them. */

export interface TestKey {
  name: string;
  /** Private key file (unencrypted openssh-key-v1). */
  path: string;
  /** `ssh-ed25519 AAAA… comment` as in the .pub file. */
  publicText: string;
  signing: SigningKey;
}

export function tempDir(prefix = 'maestro-keys-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function sshKeygen(dir: string, name: string): TestKey {
  const path = join(dir, `${name}_ed25519`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path], { stdio: 'pipe' });
  return { name, path, publicText: readFileSync(`${path}.pub`, 'utf8').trim(), signing: parseOpenSshPrivateKey(readFileSync(path, 'utf8'), path) };
}

/** An allowed_signers line: `name namespaces="…" ssh-ed25519 AAAA…`. */
export function signerLine(key: TestKey, namespaces: string[], principal = key.name): string {
  const [type, data] = key.publicText.split(/\s+/);
  return `${principal} namespaces="${namespaces.join(',')}" ${type} ${data}`;
}

export function writeTrustFile(dir: string, lines: string[], name = 'allowed_signers'): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** `ssh-keygen -Y verify …`: exit status and stderr. */
export function sshVerify(opts: { trustFile: string; identity: string; namespace: string; signature: string; payload: string | Uint8Array; dir: string }): { ok: boolean; output: string } {
  const sigPath = join(opts.dir, `sig-${Math.random().toString(36).slice(2)}.sig`);
  writeFileSync(sigPath, opts.signature);
  const res = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', opts.trustFile, '-I', opts.identity, '-n', opts.namespace, '-s', sigPath], { input: opts.payload });
  return { ok: res.status === 0, output: `${res.stdout.toString()}${res.stderr.toString()}` };
}

/** `ssh-keygen -Y sign -f KEY -n NS < payload`: the armored signature. */
export function sshSign(key: TestKey, namespace: string, payload: string | Uint8Array, dir: string): string {
  const file = join(dir, `payload-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, payload);
  execFileSync('ssh-keygen', ['-Y', 'sign', '-f', key.path, '-n', namespace, file], { stdio: 'pipe' });
  return readFileSync(`${file}.sig`, 'utf8');
}
