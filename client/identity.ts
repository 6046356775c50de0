import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519';
import type { ApproverKey } from '../plan/signed-plan';
import { NAMESPACES, findSigner, formatAllowedSigner, parseAllowedSigners, type TrustSet } from '../trust/allowed-signers';
import { formatOpenSshPrivateKey, parseOpenSshPrivateKey } from '../trust/openssh-private-key';
import { ED25519, fingerprint, formatPublicKey, type PublicKey } from '../trust/ssh-keys';
import type { SigningKey } from '../trust/sshsig';
import { maestroHome } from '../workers/temporal-binaries';
import { InvalidInputError } from './errors';

/**
 * The operator's identity on this machine: the SSH key that signs (`--key`, `MAESTRO_KEY`, else
 * the local key `maestro dev` made) and the trust file (`--trust`, `MAESTRO_TRUST`, else the local
 * one). The local pair lives in `.maestro/` (MAESTRO_HOME) so the demo runs signed with no flag.
 */

export const localKeyPath = (): string => join(maestroHome(), 'keys', 'id_ed25519');
export const localTrustPath = (): string => join(maestroHome(), 'allowed_signers');

export interface Operator {
  key: SigningKey;
  keyPath: string;
  /** From the trust file when the key is listed there, else the key's comment, else the OS user. */
  name: string;
  fingerprint: string;
}

/** The trust file to use: the flag, MAESTRO_TRUST, else the local one if it exists. */
export function trustPath(flag?: string): string | undefined {
  const path = flag ?? process.env.MAESTRO_TRUST;
  if (path) return path;
  return existsSync(localTrustPath()) ? localTrustPath() : undefined;
}

export function loadTrust(path: string): TrustSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read trust file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'Pass --trust FILE (OpenSSH allowed_signers) or set MAESTRO_TRUST.');
  }
  try {
    return parseAllowedSigners(text, path);
  } catch (err) {
    throw new InvalidInputError((err as Error).message, 'Each line: NAME namespaces="maestro-plan,maestro-approval" ssh-ed25519 AAAA…');
  }
}

/** The signing key: the flag, MAESTRO_KEY, else the local key if it exists; undefined when there is none. */
export function loadOperator(options: { key?: string; trust?: string } = {}): Operator | undefined {
  const keyPath = options.key ?? process.env.MAESTRO_KEY ?? (existsSync(localKeyPath()) ? localKeyPath() : undefined);
  if (!keyPath) return undefined;
  let parsed: ReturnType<typeof parseOpenSshPrivateKey>;
  try {
    parsed = parseOpenSshPrivateKey(readFileSync(keyPath, 'utf8'), keyPath);
  } catch (err) {
    const message = (err as NodeJS.ErrnoException).code ? `cannot read key ${keyPath}: ${(err as NodeJS.ErrnoException).code}` : (err as Error).message;
    throw new InvalidInputError(message, "Pass --key PATH to an unencrypted ed25519 key (ssh-keygen -t ed25519 -N '') or set MAESTRO_KEY.");
  }
  const key: SigningKey = { seed: parsed.seed, publicKey: parsed.publicKey };
  const trustFile = trustPath(options.trust);
  const trust = trustFile ? loadTrust(trustFile) : undefined;
  const listed = trust ? [NAMESPACES.plan, NAMESPACES.approval].map((ns) => findSigner(trust, key.publicKey, ns, Date.now())).find((r) => r.ok) : undefined;
  const name = listed?.ok ? listed.name : parsed.comment.trim() || userInfo().username;
  return { key, keyPath, name, fingerprint: fingerprint(key.publicKey) };
}

/** Like loadOperator, but a missing key is invalid input with what to do. */
export function requireOperator(options: { key?: string; trust?: string } = {}): Operator {
  const operator = loadOperator(options);
  if (!operator) {
    throw new InvalidInputError('no signing key: runs and approvals are signed', `Pass --key PATH (ssh-keygen -t ed25519), set MAESTRO_KEY, or run \`maestro dev\` once to create a local key in ${dirname(localKeyPath())}.`);
  }
  return operator;
}

/**
 * First use of `maestro dev`: a local key and a trust file allowing it both namespaces, so local
 * runs are signed and checked with no flag. Existing files are left as they are.
 */
export function ensureLocalIdentity(): { keyPath: string; trustPath: string; created: boolean } {
  const keyPath = localKeyPath();
  const trustFile = localTrustPath();
  let created = false;
  if (!existsSync(keyPath)) {
    const seed = new Uint8Array(randomBytes(32));
    const publicKey: PublicKey = { type: ED25519, key: ed25519.getPublicKey(seed) };
    const name = userInfo().username;
    mkdirSync(dirname(keyPath), { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, formatOpenSshPrivateKey({ seed, publicKey }, name, randomInt(2 ** 32)), { mode: 0o600 });
    writeFileSync(`${keyPath}.pub`, `${formatPublicKey(publicKey)} ${name}\n`);
    created = true;
  }
  if (!existsSync(trustFile)) {
    const key = parseOpenSshPrivateKey(readFileSync(keyPath, 'utf8'), keyPath);
    const name = key.comment.trim() || userInfo().username;
    writeFileSync(
      trustFile,
      `# Who may start runs (maestro-plan) and answer gates (maestro-approval) on this machine.\n# OpenSSH allowed_signers format; created by maestro dev for the local key.\n${formatAllowedSigner(name, [NAMESPACES.plan, NAMESPACES.approval], formatPublicKey(key.publicKey))}\n`,
    );
    created = true;
  }
  return { keyPath, trustPath: trustFile, created };
}

/** The approval keys a trust file lists, as a signed plan carries them for the run's own checks. */
export function approverKeys(trust: TrustSet | undefined): ApproverKey[] {
  return (trust?.signers ?? [])
    .filter((s) => !s.namespaces || s.namespaces.includes(NAMESPACES.approval))
    .map((s) => ({ name: s.principals[0]!, key: formatPublicKey(s.publicKey) }));
}

/** What `startDeployment` signs with: the operator's key and the approval keys of the trust file. */
export function signingFor(operator: Operator, options: { trust?: string; ttlMs?: number } = {}): { key: SigningKey; ttlMs?: number; approvers: ApproverKey[] } {
  const file = trustPath(options.trust);
  return { key: operator.key, ttlMs: options.ttlMs, approvers: approverKeys(file ? loadTrust(file) : undefined) };
}
