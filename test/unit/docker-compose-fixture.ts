import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export { CERT_FILES } from '../../connection/cert-files';

/** docker-compose.yml, parsed with its anchors merged, as the compose test reads it. */
const root = join(__dirname, '..', '..');

export interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: unknown;
  restart?: string;
  networks?: Record<string, { ipv4_address: string }>;
}

export const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

export const DEFAULT_NODES = ['mac-studio', 'macbook-air', 'macpro51'];

/** Compose's variable syntax: `${V}`, `${V:-default}`, `${V:?error}` (throws), `$$` for `$`. */
export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (match === '$$') return '$';
    const value = env[name!];
    if (value) return value;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? arg! : '';
  });
}

interface MtlsSide {
  server: { requireClientAuth: boolean; clientCaFiles: string[] };
  client: { serverName: string };
}

/** The parts of the server configuration the test reads (workers/production-server.ts writes it). */
export interface ServerConfig {
  certsDir: string;
  global: { tls: { frontend: MtlsSide; internode: MtlsSide } };
  services: Record<string, { rpc: Record<string, unknown> }>;
  metrics?: unknown;
  /** The dynamic configuration file written beside config.yaml. */
  dynamic: Record<string, Array<{ value: unknown; constraints: unknown }>>;
}

/**
 * Runs the temporal-config service's command (bin/production-server.js, as the cluster suite's
 * production route does) with its container folders moved to a temporary one, and returns the
 * server configuration it writes. Needs dist/ (ensureBuilt).
 */
export function runConfigService(): ServerConfig {
  const service = compose.services['temporal-config']!;
  const dir = mkdtempSync(join(tmpdir(), 'maestro-compose-'));
  try {
    const certsDir = join(dir, 'certs');
    const args = service.command!.map((a) => interpolate(a, { POSTGRES_PASSWORD: 'pw' })).map((a) => (a === '/certs' ? certsDir : a === '/config' ? join(dir, 'config') : a));
    execFileSync(service.entrypoint![0]!, [...service.entrypoint!.slice(1), ...args], { cwd: root, stdio: 'pipe' });
    const dynamic = parse(readFileSync(join(dir, 'config', 'dynamicconfig.yaml'), 'utf8')) as ServerConfig['dynamic'];
    return { ...(parse(readFileSync(join(dir, 'config', 'config.yaml'), 'utf8')) as Omit<ServerConfig, 'certsDir' | 'dynamic'>), certsDir, dynamic };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
