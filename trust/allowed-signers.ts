import { fingerprint, parsePublicKeyText, sameKey, type PublicKey } from './ssh-keys';

/**
 * OpenSSH `allowed_signers` (ssh-keygen(1), "ALLOWED SIGNERS"): `principals [options] keytype key
 * [comment]`, where `namespaces="…"` says what a key may sign. Maestro's namespaces are the
 * permissions: maestro-plan starts runs, maestro-approval approves, rejects, decides and aborts.
 */

export const NAMESPACES = { plan: 'maestro-plan', approval: 'maestro-approval' } as const;
export type Namespace = (typeof NAMESPACES)[keyof typeof NAMESPACES];

export interface AllowedSigner {
  /** Names this key signs as; the first is the name Maestro records. */
  principals: string[];
  /** What the key may sign; undefined: any namespace (as ssh-keygen reads a line without the option). */
  namespaces?: string[];
  /** Milliseconds since the epoch; the key is valid only from / until then. */
  validAfter?: number;
  validBefore?: number;
  publicKey: PublicKey;
  /** 1-based line in the file. */
  line: number;
}

export interface TrustSet {
  signers: AllowedSigner[];
  /** Lines that were skipped (other key types, cert-authority), with why; never silent. */
  warnings: string[];
}

/** Splits at unquoted whitespace, keeping quotes inside tokens (`namespaces="a,b"`). */
function tokens(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) {
      if (current) out.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  if (current) out.push(current);
  return out;
}

/** Splits `a,b="x,y",c` at commas outside quotes. */
function splitOptions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === ',') {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.filter(Boolean);
}

const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);
const isKeyType = (t: string) => /^(ssh-|ecdsa-|sk-|rsa-)/.test(t);

/** `YYYYMMDD[HHMM[SS]][Z]`: UTC with Z, local time without (as ssh-keygen reads it). */
export function parseSshTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(text);
  if (!m) throw new Error(`time ${JSON.stringify(text)} is not YYYYMMDD[HHMM[SS]][Z]`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as number[];
  return m[7] ? Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) : new Date(y!, mo! - 1, d!, h!, mi!, s!).getTime();
}

/** Parses an allowed_signers file; a malformed line throws naming `source:line`. */
export function parseAllowedSigners(text: string, source = 'allowed_signers'): TrustSet {
  const signers: AllowedSigner[] = [];
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const where = `${source}:${line}`;
    try {
      const parts = tokens(trimmed);
      const principals = unquote(parts[0]!).split(',').filter(Boolean);
      if (principals.length === 0) throw new Error('no principal');
      let i = 1;
      const signer: Omit<AllowedSigner, 'publicKey'> = { principals, line };
      let certAuthority = false;
      if (parts[i] !== undefined && !isKeyType(parts[i]!)) {
        for (const option of splitOptions(parts[i]!)) {
          const eq = option.indexOf('=');
          const name = (eq < 0 ? option : option.slice(0, eq)).toLowerCase();
          const value = eq < 0 ? undefined : unquote(option.slice(eq + 1));
          if (name === 'cert-authority') certAuthority = true;
          else if (name === 'namespaces' && value !== undefined) signer.namespaces = value.split(',').map((n) => n.trim()).filter(Boolean);
          else if (name === 'valid-after' && value !== undefined) signer.validAfter = parseSshTime(value);
          else if (name === 'valid-before' && value !== undefined) signer.validBefore = parseSshTime(value);
          else throw new Error(`unknown option ${JSON.stringify(option)} (expected namespaces="…", valid-after=, valid-before=, cert-authority)`);
        }
        i++;
      }
      const keyType = parts[i];
      const keyData = parts[i + 1];
      if (!keyType || !keyData) throw new Error('expected "principals [options] keytype key"');
      if (certAuthority) {
        warnings.push(`${where}: cert-authority lines are not supported; line ignored`);
        return;
      }
      if (keyType !== 'ssh-ed25519') {
        warnings.push(`${where}: ${keyType} keys are not supported (only ssh-ed25519); line ignored`);
        return;
      }
      signers.push({ ...signer, publicKey: parsePublicKeyText(`${keyType} ${keyData}`, where) });
    } catch (err) {
      const message = (err as Error).message;
      throw new Error(message.startsWith(where) ? message : `${where}: ${message}`);
    }
  });
  return { signers, warnings };
}

export type SignerLookup = { ok: true; name: string; fingerprint: string; signer: AllowedSigner } | { ok: false; reason: string };

/**
 * Who `key` is for `namespace` at `atMs`: the first matching line's first principal. Refuses a key
 * that is not listed, not allowed that namespace, or outside its validity.
 */
export function findSigner(trust: TrustSet, key: PublicKey, namespace: string, atMs: number): SignerLookup {
  const fp = fingerprint(key);
  const lines = trust.signers.filter((s) => sameKey(s.publicKey, key));
  if (lines.length === 0) return { ok: false, reason: `key ${fp} is not in the trust file` };
  const allowed = lines.filter((s) => !s.namespaces || s.namespaces.includes(namespace));
  if (allowed.length === 0) return { ok: false, reason: `key ${fp} (${lines[0]!.principals[0]}) is not allowed ${namespace}` };
  const valid = allowed.find((s) => (s.validAfter === undefined || atMs >= s.validAfter) && (s.validBefore === undefined || atMs < s.validBefore));
  if (!valid) return { ok: false, reason: `key ${fp} (${allowed[0]!.principals[0]}) is outside its valid-after/valid-before window` };
  return { ok: true, name: valid.principals[0]!, fingerprint: fp, signer: valid };
}

/** Writes a signer line back (for the trust a signed plan carries and for generated trust files). */
export function formatAllowedSigner(principal: string, namespaces: readonly string[], publicKeyText: string): string {
  return `${principal} namespaces="${namespaces.join(',')}" ${publicKeyText}`;
}
