import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_FILES } from '../../connection/cert-files';

/**
 * A client certificate of the cluster's CA whose validity ended on 2 January 2024. `openssl x509
 * -days` cannot backdate (OpenSSL 3.0 has no -not_before/-not_after), so `openssl ca` signs it
 * with explicit -startdate/-enddate from a throwaway CA database. Returns the pair's paths.
 */
export const EXPIRED_ON = '2024-01-02T00:00:00.000Z';

export function makeExpiredClientCert(certsDir: string, name: string, outDir: string): { cert: string; key: string } {
  mkdirSync(outDir, { recursive: true });
  const db = mkdtempSync(join(outDir, 'ca-db-'));
  const cert = join(outDir, `${name}-expired.pem`);
  const key = join(outDir, `${name}-expired-key.pem`);
  try {
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'serial'), '01\n');
    writeFileSync(join(db, 'ca.cnf'), [
      '[ ca ]', 'default_ca = test_ca',
      '[ test_ca ]', `database = ${join(db, 'index.txt')}`, `new_certs_dir = ${db}`, `serial = ${join(db, 'serial')}`, 'policy = any', 'default_md = sha256',
      '[ any ]', 'commonName = supplied', 'organizationName = optional',
    ].join('\n') + '\n');
    writeFileSync(join(db, 'ext'), ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth', `subjectAltName=DNS:${name}`].join('\n') + '\n');
    const csr = join(db, 'req.csr');
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/O=Cluster Maestro/CN=${name}`], { stdio: 'pipe' });
    execFileSync('openssl', ['ca', '-batch', '-config', join(db, 'ca.cnf'), '-in', csr, '-out', cert, '-cert', join(certsDir, CERT_FILES.ca), '-keyfile', join(certsDir, CERT_FILES.caKey),
      '-startdate', '20240101000000Z', '-enddate', '20240102000000Z', '-extfile', join(db, 'ext'), '-notext'], { stdio: 'pipe' });
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
  return { cert, key };
}
