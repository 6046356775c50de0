import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NAMESPACES, findSigner, parseAllowedSigners } from '../../trust/allowed-signers';
import { fromBase64, toBase64, utf8 } from '../../trust/bytes';
import { formatOpenSshPrivateKey, parseOpenSshPrivateKey } from '../../trust/openssh-private-key';
import { fingerprint, formatPublicKey, parsePublicKeyText } from '../../trust/ssh-keys';
import { parseSshsig, signSshsig, verifySshsig } from '../../trust/sshsig';
import { signerLine, sshKeygen, sshSign, sshVerify, tempDir, writeTrustFile, type TestKey } from '../helpers/ssh-keys';

const dirs: string[] = [];
const dirFor = () => {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('SSHSIG with keys made by ssh-keygen', () => {
  const dir = dirFor();
  let alice: TestKey;
  let mallory: TestKey;
  let trustFile: string;
  const payload = '{"runId":"r-1","type":"maestro-plan/v1"}';

  beforeAll(() => {
    alice = sshKeygen(dir, 'alice');
    mallory = sshKeygen(dir, 'mallory');
    trustFile = writeTrustFile(dir, [signerLine(alice, [NAMESPACES.plan, NAMESPACES.approval])]);
  });

  it('reads the private key ssh-keygen wrote: same public key, same fingerprint as ssh-keygen -l', () => {
    expect(formatPublicKey(alice.signing.publicKey)).toBe(alice.publicText.split(' ').slice(0, 2).join(' '));
    const printed = execFileSync('ssh-keygen', ['-l', '-f', `${alice.path}.pub`]).toString();
    expect(printed).toContain(fingerprint(alice.signing.publicKey));
    expect(parseOpenSshPrivateKey(formatOpenSshPrivateKey(alice.signing, 'x', 7)).seed).toEqual(alice.signing.seed);
  });

  it('ssh-keygen -Y verify accepts what Maestro signs, and refuses it tampered or in another namespace', () => {
    const sig = signSshsig(payload, NAMESPACES.plan, alice.signing);
    expect(sshVerify({ trustFile, identity: 'alice', namespace: NAMESPACES.plan, signature: sig, payload, dir })).toMatchObject({ ok: true });
    expect(sshVerify({ trustFile, identity: 'alice', namespace: NAMESPACES.plan, signature: sig, payload: payload.replace('r-1', 'r-2'), dir }).ok).toBe(false);
    expect(sshVerify({ trustFile, identity: 'alice', namespace: NAMESPACES.approval, signature: sig, payload, dir }).ok).toBe(false);
    const forged = signSshsig(payload, NAMESPACES.plan, mallory.signing);
    expect(sshVerify({ trustFile, identity: 'alice', namespace: NAMESPACES.plan, signature: forged, payload, dir }).ok).toBe(false);
  });

  it('Maestro verifies what ssh-keygen -Y sign makes, and refuses it tampered or in another namespace', () => {
    const sig = sshSign(alice, NAMESPACES.approval, payload, dir);
    const ok = verifySshsig(sig, payload, NAMESPACES.approval);
    expect(ok.ok).toBe(true);
    expect(ok.ok && fingerprint(ok.sig.publicKey)).toBe(fingerprint(alice.signing.publicKey));
    expect(verifySshsig(sig, `${payload} `, NAMESPACES.approval)).toEqual({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(verifySshsig(sig, payload, NAMESPACES.plan)).toEqual({ ok: false, reason: expect.stringMatching(/namespace "maestro-approval", not "maestro-plan"/) });
  });

  it('a key made by Maestro is one ssh-keygen reads (ssh-keygen -y prints its public key)', () => {
    const path = join(dir, 'maestro_made');
    writeFileSync(path, formatOpenSshPrivateKey(alice.signing, 'made-by-maestro', 0x1234abcd), { mode: 0o600 });
    expect(execFileSync('ssh-keygen', ['-y', '-f', path]).toString()).toContain(formatPublicKey(alice.signing.publicKey));
  });

  it('refuses malformed signatures with a reason instead of throwing', () => {
    expect(verifySshsig('-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----', payload, NAMESPACES.plan)).toEqual({ ok: false, reason: expect.stringMatching(/not an SSHSIG|truncated/) });
    expect(verifySshsig('not base64 !!', payload, NAMESPACES.plan)).toEqual({ ok: false, reason: expect.stringMatching(/malformed base64/) });
    const sig = parseSshsig(signSshsig(payload, NAMESPACES.plan, alice.signing));
    const flipped = { ...sig, signature: sig.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(verifySshsig(flipped, payload, NAMESPACES.plan).ok).toBe(false);
  });

  it('refuses encrypted private keys, naming what to do', () => {
    const path = join(dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', path]);
    expect(() => parseOpenSshPrivateKey(readFileSync(path, 'utf8'), path)).toThrow(/passphrase-protected.*ssh-keygen -t ed25519 -N ''/);
  });
});

describe('allowed_signers', () => {
  const dir = dirFor();
  const a = sshKeygen(dir, 'ops-lead');
  const b = sshKeygen(dir, 'dba');

  it('reads principals, namespaces and validity; names come from the key', () => {
    const trust = parseAllowedSigners(
      [
        '# operators',
        signerLine(a, [NAMESPACES.plan, NAMESPACES.approval]),
        `dba,dba2 namespaces="maestro-approval",valid-before="20300101Z" ${b.publicText}`,
        'git-only ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ comment',
      ].join('\n'),
      'trust',
    );
    expect(trust.signers.map((s) => s.principals)).toEqual([['ops-lead'], ['dba', 'dba2']]);
    expect(trust.warnings).toEqual(['trust:4: ssh-rsa keys are not supported (only ssh-ed25519); line ignored']);
    const now = Date.UTC(2026, 0, 1);
    expect(findSigner(trust, a.signing.publicKey, NAMESPACES.plan, now)).toMatchObject({ ok: true, name: 'ops-lead', fingerprint: fingerprint(a.signing.publicKey) });
    expect(findSigner(trust, b.signing.publicKey, NAMESPACES.approval, now)).toMatchObject({ ok: true, name: 'dba' });
    expect(findSigner(trust, b.signing.publicKey, NAMESPACES.plan, now)).toEqual({ ok: false, reason: expect.stringMatching(/\(dba\) is not allowed maestro-plan/) });
    expect(findSigner(trust, b.signing.publicKey, NAMESPACES.approval, Date.UTC(2031, 0, 1))).toEqual({ ok: false, reason: expect.stringMatching(/valid-after\/valid-before/) });
    const stranger = sshKeygen(dir, 'stranger');
    expect(findSigner(trust, stranger.signing.publicKey, NAMESPACES.plan, now)).toEqual({ ok: false, reason: expect.stringMatching(/is not in the trust file/) });
  });

  it('names the line of a malformed entry', () => {
    expect(() => parseAllowedSigners(`\nops namespaces="x" ssh-ed25519\n`, 'trust')).toThrow('trust:2: expected "principals [options] keytype key"');
    expect(() => parseAllowedSigners(`ops bogus=1 ${a.publicText}`, 'trust')).toThrow(/trust:1: unknown option "bogus=1"/);
    expect(() => parseAllowedSigners('ops ssh-ed25519 AAAA', 'trust')).toThrow(/trust:1: /);
  });

  it('agrees with ssh-keygen on the same file', () => {
    const trustFile = writeTrustFile(dir, [signerLine(a, [NAMESPACES.approval])]);
    const sig = signSshsig('x', NAMESPACES.approval, a.signing);
    expect(sshVerify({ trustFile, identity: 'ops-lead', namespace: NAMESPACES.approval, signature: sig, payload: 'x', dir }).ok).toBe(true);
    expect(sshVerify({ trustFile, identity: 'ops-lead', namespace: NAMESPACES.plan, signature: signSshsig('x', NAMESPACES.plan, a.signing), payload: 'x', dir }).ok).toBe(false);
  });
});

describe('bytes', () => {
  it('base64 round-trips every length and matches Buffer', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = utf8('x'.repeat(n)).map((_, i) => (i * 37 + n) & 0xff);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
  });

  it('parses a public key line and refuses other key types', () => {
    const dir = dirFor();
    const k = sshKeygen(dir, 'k');
    expect(parsePublicKeyText(k.publicText).key).toEqual(k.signing.publicKey.key);
    expect(() => parsePublicKeyText('ssh-rsa AAAA')).toThrow(/ssh-rsa is not supported/);
  });
});
