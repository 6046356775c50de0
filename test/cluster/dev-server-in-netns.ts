import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { tuningArgs } from '../../workers/dev-server';
import { searchAttributeDeclarations } from '../../workflows/search-attributes';
import { untilReady, type Spawned } from '../helpers/processes';
import { FRONTEND_PORT, type Cluster } from './cluster-fixture';

/** The CLI spells search-attribute types in PascalCase. */
const CLI_TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime' };

export interface ServerProcess {
  process: Spawned;
  /** kill -9 and wait for the exit. */
  kill9(): Promise<void>;
}

/**
 * The pinned dev server (SQLite file) listening on the server namespace's address, as the cluster
 * guide's server runs it, with Maestro's search attributes. Resolves once `default` answers from
 * the operator's namespace.
 */
export async function startDevServerIn(cluster: Cluster, dbFile: string): Promise<ServerProcess> {
  // Every address of the server's namespace: `start-dev --ip <one address>` binds its internal
  // services there too but dials them on 127.0.0.1 (CLI 1.9.1), so it never serves.
  const args = ['server', 'start-dev', '--ip', '0.0.0.0', '--port', String(FRONTEND_PORT), '--headless', '--db-filename', dbFile, '--log-level', 'warn'];
  for (const { name, type } of searchAttributeDeclarations()) args.push('--search-attribute', `${name}=${CLI_TYPE[type]}`);
  args.push(...tuningArgs({ sqlite: true }));
  const server = cluster.spawnIn('server', resolveTemporalBinary('cli'), args);
  await waitUntilServing(cluster, server, []);
  return { process: server, kill9: () => server.kill9() };
}

/** Waits until the frontend serves the `default` namespace to a client in the CLI namespace. */
export async function waitUntilServing(cluster: Cluster, server: Spawned, temporalCliFlags: string[], timeoutMs = 90_000): Promise<void> {
  let last = '';
  const serving = async () => {
    const result = await cluster.execIn('cli', resolveTemporalBinary('cli'), ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', cluster.address, ...temporalCliFlags], {});
    last = result.err.trim().split('\n').pop() ?? '';
    return result.code === 0;
  };
  await untilReady(server, `the Temporal server at ${cluster.address} to serve namespace default`, serving, timeoutMs, 500).catch((err: Error) => {
    throw new Error(`${err.message}\nlast answer: ${last}`);
  });
}

/** A tiny HTTP service inside `host`'s namespace answering GET /health with 200. */
export async function startHealthServer(cluster: Cluster, host: string, port: number): Promise<{ url: string; process: Spawned }> {
  const { ip } = cluster.net.hosts[host]!;
  const source = `require('node:http').createServer((q, s) => { s.statusCode = q.url === '/health' ? 200 : 404; s.end('ok'); }).listen(${port}, '${ip}', () => console.log('listening'));`;
  const server = cluster.spawnIn(host, process.execPath, ['-e', source]);
  await untilReady(server, `the health server on ${host}`, (p) => p.stdout().includes('listening'), 10_000);
  return { url: `http://${ip}:${port}/health`, process: server };
}
