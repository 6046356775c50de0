import { chmodSync, chownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { CERT_FILES } from '../../client/certs';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import type { PostgresTarget, ProductionServerSettings } from '../../workers/production-server';
import { searchAttributeDeclarations } from '../../workflows/search-attributes';
import { untilReady, type Spawned } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';
import type { Cluster } from './cluster-fixture';
import type { ServerProcess } from './dev-server-in-netns';

/**
 * The production route inside the server's namespace: a throwaway PostgreSQL cluster (Debian's
 * PostgreSQL 15, initdb in a temporary folder, listening on the namespace's own loopback, so not
 * even the test subnet reaches it) and the real Temporal server on it with mTLS.
 */

const PG_PORT = 5432;

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort().reverse();
  if (!versions.length) throw new Error('PostgreSQL is not installed (bin/cluster-setup.sh installs Debian\'s postgresql)');
  return join('/usr/lib/postgresql', versions[0]!, 'bin', name);
}

/** initdb refuses root: the cluster belongs to the `postgres` user Debian's package makes. */
function asPostgres(file: string, args: string[]): [string, string[]] {
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', file, ...args]];
}

export async function startPostgresIn(cluster: Cluster, dir: string): Promise<{ target: PostgresTarget; process: Spawned }> {
  const data = join(dir, 'pgdata');
  mkdirSync(data, { recursive: true });
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  // mkdtemp folders are 0700: the postgres user must at least pass through the test's folder.
  chmodSync(dirname(dir), 0o711);
  chownSync(dir, uid, gid);
  chownSync(data, uid, gid);
  const password = 'maestro-test';
  writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  chownSync(join(dir, 'pwfile'), uid, gid);
  const [initFile, initArgs] = asPostgres(postgresBin('initdb'), ['-D', data, '-U', 'temporal', `--pwfile=${join(dir, 'pwfile')}`, '-A', 'scram-sha-256', '--no-sync']);
  execFileSync(initFile, initArgs, { stdio: 'pipe' });
  // A test database: durability traded for speed (the Temporal server is what the cases kill).
  const [file, args] = asPostgres(postgresBin('postgres'), ['-D', data, '-p', String(PG_PORT), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${data}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  const pg = cluster.spawnIn('server', file, args);
  await untilReady(pg, 'PostgreSQL to accept connections', async () => (await cluster.execIn('server', postgresBin('pg_isready'), ['-h', '127.0.0.1', '-p', String(PG_PORT)])).code === 0, 30_000, 200);
  return { target: { host: '127.0.0.1', port: PG_PORT, user: 'temporal', password, database: 'temporal', visibilityDatabase: 'temporal_visibility' }, process: pg };
}

/** The Temporal CLI's TLS flags for a client `name` of the certificate folder. */
export function temporalCliTls(tlsDir: string, name: string, serverName: string): string[] {
  return ['--tls-ca-path', join(tlsDir, CERT_FILES.ca), '--tls-cert-path', join(tlsDir, CERT_FILES.clientCert(name)), '--tls-key-path', join(tlsDir, CERT_FILES.clientKey(name)), '--tls-server-name', serverName];
}

/**
 * The documented route: bin/production-server.js sets the schema up and writes the config (run
 * in the server's namespace, where PostgreSQL is), then the server runs with that config.
 */
export async function startProductionServerIn(cluster: Cluster, settings: ProductionServerSettings): Promise<ServerProcess> {
  const pg = settings.postgres;
  const url = `postgres://${pg.user}:${encodeURIComponent(pg.password)}@${pg.host}:${pg.port}/${pg.database}`;
  const prepared = await cluster.execIn('server', process.execPath, [join(__dirname, '..', '..', 'bin', 'production-server.js'), '--postgres', url, '--tls-dir', settings.tlsDir, '--ip', settings.ip, '--server-name', settings.serverName, '--config-dir', settings.configDir!]);
  if (prepared.code !== 0) throw new Error(`bin/production-server.js exited ${prepared.code}: ${prepared.err}`);
  const command = /^run: +(.*)$/m.exec(prepared.out)![1]!.split(' ');
  const server = cluster.spawnIn('server', command[0]!, command.slice(1));
  const tls = temporalCliTls(settings.tlsDir, 'admin-tools', settings.serverName);
  const cli = (args: string[]) => cluster.execIn('cli', resolveTemporalBinary('cli'), [...args, '--address', cluster.address, ...tls]);
  let last = '';
  const healthy = async () => {
    const health = await cli(['operator', 'cluster', 'health']);
    last = health.err || health.out;
    return health.code === 0;
  };
  await untilReady(server, `the production server at ${cluster.address} to answer`, healthy, 120_000, 500).catch((err: Error) => {
    throw new Error(`${err.message}\nlast answer: ${last}\n${server.stdout().slice(-2000)}`);
  });
  return { process: server, kill9: () => server.kill9() };
}

/**
 * Stand-in for `maestro init` (issue 14) until it lands: the `default` namespace and Maestro's
 * search attributes, registered with the Temporal CLI as the admin-tools client.
 */
export async function prepareNamespace(cluster: Cluster, settings: ProductionServerSettings): Promise<void> {
  const tls = temporalCliTls(settings.tlsDir, 'admin-tools', settings.serverName);
  const cli = (args: string[]) => cluster.execIn('cli', resolveTemporalBinary('cli'), [...args, '--address', cluster.address, ...tls]);
  const created = await cli(['operator', 'namespace', 'create', '--namespace', 'default', '--retention', '72h']);
  if (created.code !== 0 && !/already/i.test(created.err)) throw new Error(`namespace create failed: ${created.err}`);
  await waitFor('namespace default', async () => (await cli(['operator', 'namespace', 'describe', '--namespace', 'default'])).code === 0, 60_000, 500);
  const TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', KEYWORD_LIST: 'KeywordList' };
  const args = ['operator', 'search-attribute', 'create', '--namespace', 'default'];
  for (const { name, type } of searchAttributeDeclarations()) args.push('--name', name, '--type', TYPE[type] ?? type);
  const added = await cli(args);
  if (added.code !== 0 && !/already/i.test(added.err)) throw new Error(`search-attribute create failed: ${added.err}`);
}
