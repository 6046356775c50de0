import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERT_FILES } from '../../client/certs';
import { EXIT } from '../../client/exit-codes';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';

// `maestro certs` with the real openssl; the handshakes themselves are in test/cluster/production-cluster.test.ts.
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'maestro-certs-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function certs(...args: string[]) {
  const output = memoryOutput();
  const code = await runCli(['certs', '--dir', dir, ...args], output);
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}
const cert = (file: string) => new X509Certificate(readFileSync(join(dir, file)));
const verify = (file: string) => execFileSync('openssl', ['verify', '-CAfile', join(dir, CERT_FILES.ca), join(dir, file)], { encoding: 'utf8' });

describe('maestro certs', () => {
  it('makes a CA, a server certificate for the given hosts and a client certificate per node and operator, all signed by the CA', async () => {
    const made = await certs('--host', 'temporal.lan', '--host', '198.18.0.1', '--json');
    expect(made.code).toBe(EXIT.ok);
    const result = JSON.parse(made.out) as { clients: Record<string, unknown> };
    expect(Object.keys(result.clients).sort()).toEqual(['admin-tools', 'mac-studio', 'macbook-air', 'macpro51', 'operator', 'orchestrator', 'web-ui']);
    expect(cert(CERT_FILES.ca).ca).toBe(true);
    const server = cert(CERT_FILES.serverCert);
    expect(server.ca).toBe(false);
    expect(server.subjectAltName).toBe('DNS:temporal.lan, IP Address:198.18.0.1');
    expect(server.checkIssued(cert(CERT_FILES.ca))).toBe(true);
    expect(verify(CERT_FILES.serverCert)).toContain(': OK');
    expect(execFileSync('openssl', ['x509', '-in', join(dir, CERT_FILES.serverCert), '-noout', '-ext', 'extendedKeyUsage'], { encoding: 'utf8' })).toMatch(/Server Authentication, TLS Web Client Authentication/);
    for (const name of ['macpro51', 'operator']) {
      expect(cert(CERT_FILES.clientCert(name)).subject).toContain(`CN=${name}`);
      expect(verify(CERT_FILES.clientCert(name))).toContain(': OK');
      expect(execFileSync('openssl', ['x509', '-in', join(dir, CERT_FILES.clientCert(name)), '-noout', '-ext', 'extendedKeyUsage'], { encoding: 'utf8' })).toMatch(/TLS Web Client Authentication/);
    }
    // Keys are readable by their owner only.
    for (const key of [CERT_FILES.caKey, CERT_FILES.serverKey, CERT_FILES.clientKey('macpro51')]) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
  });

  it('keeps what exists: a second run adds a new client under the same CA and rewrites nothing else', async () => {
    await certs('--client', 'macpro51');
    const before = readFileSync(join(dir, CERT_FILES.clientCert('macpro51')), 'utf8');
    const again = await certs('--client', 'macpro51', '--client', 'mac-mini', '--json');
    expect(again.code).toBe(EXIT.ok);
    expect((JSON.parse(again.out) as { written: string[] }).written.map((f) => f.slice(dir.length + 1))).toEqual([CERT_FILES.clientCert('mac-mini'), CERT_FILES.clientKey('mac-mini')]);
    expect(readFileSync(join(dir, CERT_FILES.clientCert('macpro51')), 'utf8')).toBe(before);
    expect(verify(CERT_FILES.clientCert('mac-mini'))).toContain(': OK');
  });

  it('refuses a name that cannot be a certificate name, and a bad --days, with exit 2 and no stack', async () => {
    const bad = await certs('--client', 'no/slash');
    expect(bad).toMatchObject({ code: EXIT.invalidInput });
    expect(bad.err).toContain('"no/slash" is not a usable certificate name');
    const days = await certs('--days', '0');
    expect(days.code).toBe(EXIT.invalidInput);
    expect(days.err).toContain('--days');
    expect(bad.err + days.err).not.toMatch(/\n\s+at /);
  });
});
