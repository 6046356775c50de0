import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { CERT_FILES } from '../connection/cert-files';
import { InvalidInputError } from './errors';

/**
 * The certificates of a cluster's mTLS: one CA, one server certificate (the Temporal frontend and
 * its internal services; it is also their client certificate, so it carries both usages), and one
 * client certificate per node, the orchestrator, the operator, the Web UI and the admin tools.
 * Made with openssl (ECDSA P-256); keys are written 0600. The CA key stays in the folder: keep
 * the folder on the machine that issues certificates, and copy to each machine only its own pair
 * and `ca.pem`.
 */

export { CERT_FILES };

/** The clients every cluster needs besides its nodes. */
export const STANDARD_CLIENTS = ['orchestrator', 'operator', 'web-ui', 'admin-tools'] as const;

export interface MakeCertsOptions {
  dir: string;
  /** Names and addresses the server certificate is valid for. Default localhost, 127.0.0.1 and `temporal` (docker-compose). */
  serverHosts?: string[];
  /** Client certificates to make (their common names). */
  clients: string[];
  /** Validity in days. Default 825 (the longest most TLS clients accept). */
  days?: number;
  /** Make certificates again even when they exist (the CA is kept unless `newCa`). */
  force?: boolean;
  newCa?: boolean;
}

export interface CertsMade {
  dir: string;
  ca: string;
  /** Files written now (an existing certificate is kept and not listed). */
  written: string[];
  server: { cert: string; key: string; hosts: string[] };
  clients: Record<string, { cert: string; key: string }>;
}

export const DEFAULT_SERVER_HOSTS = ['localhost', '127.0.0.1', 'temporal'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new InvalidInputError('openssl not found', 'Install OpenSSL (apt-get install openssl; macOS ships LibreSSL, `brew install openssl` if it refuses).');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim()}`);
  }
}

const subjectAltName = (hosts: string[]) => hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');

/** Makes (or completes) a certificate folder; existing files are kept unless `force`. */
export function makeCerts(options: MakeCertsOptions): CertsMade {
  const days = options.days ?? 825;
  if (!Number.isInteger(days) || days < 1) throw new InvalidInputError(`--days must be a whole number of days ≥ 1, not ${options.days}`);
  const hosts = options.serverHosts?.length ? options.serverHosts : DEFAULT_SERVER_HOSTS;
  for (const name of [...options.clients, ...hosts.filter((h) => !isIP(h))]) {
    if (!NAME.test(name)) throw new InvalidInputError(`"${name}" is not a usable certificate name`, 'Use letters, digits, dots, dashes and underscores.');
  }
  const dir = options.dir;
  const path = (file: string) => join(dir, file);
  mkdirSync(join(dir, 'clients'), { recursive: true });
  const written: string[] = [];
  const ca = path(CERT_FILES.ca);
  const caKey = path(CERT_FILES.caKey);
  if (options.newCa || !existsSync(ca) || !existsSync(caKey)) {
    openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', ca, '-days', String(days + 1),
      '-subj', '/O=Cluster Maestro/CN=Maestro cluster CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    chmodSync(caKey, 0o600);
    written.push(ca, caKey);
  }
  const leaf = (cert: string, key: string, commonName: string, usage: string, altNames: string[]) => {
    if (!options.force && !options.newCa && existsSync(cert) && existsSync(key)) return;
    const csr = `${cert}.csr`;
    const ext = `${cert}.ext`;
    try {
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/O=Cluster Maestro/CN=${commonName}`]);
      chmodSync(key, 0o600);
      writeFileSync(ext, ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', `extendedKeyUsage=${usage}`, `subjectAltName=${subjectAltName(altNames)}`].join('\n') + '\n');
      openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(days), '-sha256', '-extfile', ext, '-out', cert]);
    } finally {
      rmSync(csr, { force: true });
      rmSync(ext, { force: true });
    }
    written.push(cert, key);
  };
  const server = { cert: path(CERT_FILES.serverCert), key: path(CERT_FILES.serverKey), hosts };
  leaf(server.cert, server.key, hosts[0]!, 'serverAuth,clientAuth', hosts);
  const clients: CertsMade['clients'] = {};
  for (const name of new Set(options.clients)) {
    clients[name] = { cert: path(CERT_FILES.clientCert(name)), key: path(CERT_FILES.clientKey(name)) };
    leaf(clients[name].cert, clients[name].key, name, 'clientAuth', [name]);
  }
  return { dir, ca, written, server, clients };
}
