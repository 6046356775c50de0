import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, freePort, spawnTracked } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';
import { PRODUCTION_SERVER_VERSION, setupPostgresSchema } from '../../workers/production-server';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { CERT_FILES, compose, DEFAULT_NODES, interpolate, runConfigService, type Service } from './docker-compose-fixture';

// No Docker engine runs here: the compose file is checked by reading its wiring, and against what
// the cluster suite runs (the same configuration code, the same schema commands, the same binaries).
const services = compose.services;
const workers = Object.entries(services).filter(([, s]) => s.command?.[0] === 'worker');
const tag = (s: Service | undefined) => s?.image?.split(':')[1];

beforeAll(ensureBuilt, 120_000);

describe('docker-compose.yml', () => {
  it('runs one worker per node, named after it, and one orchestrator', () => {
    const nodes = workers.flatMap(([, s]) => (s.command?.[1] === '--node' ? [s.command[2]] : []));
    expect(nodes.sort()).toEqual([...DEFAULT_NODES].sort());
    expect(workers.filter(([, s]) => s.command?.[1] === '--orchestrator')).toHaveLength(1);
    for (const [, s] of workers.filter(([, w]) => w.command?.[1] === '--node')) {
      expect(s.environment?.MAESTRO_NODE).toBe(s.command?.[2]);
    }
  });

  it('gives every node worker its trust file, mounted read-only', () => {
    for (const [, s] of workers.filter(([, w]) => w.command?.[1] === '--node')) {
      expect(s.environment?.MAESTRO_TRUST).toBe('/etc/maestro/allowed_signers');
      expect(s.volumes).toContain('./allowed_signers:/etc/maestro/allowed_signers:ro');
    }
  });

  it('points every worker at the Temporal service over mTLS with its own pair, after `maestro init`', () => {
    for (const [, s] of workers) {
      const name = s.command?.[1] === '--node' ? s.command[2]! : 'orchestrator';
      expect(s.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(s.build).toBe('.');
      expect(s.depends_on).toEqual({ 'maestro-init': { condition: 'service_completed_successfully' } });
      expect(s.volumes).toContain('./.maestro/certs:/certs:ro');
      expect(s.environment).toMatchObject({
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: join('/certs', CERT_FILES.ca),
        TEMPORAL_TLS_CLIENT_CERT_PATH: join('/certs', CERT_FILES.clientCert(name)),
        TEMPORAL_TLS_CLIENT_KEY_PATH: join('/certs', CERT_FILES.clientKey(name)),
      });
    }
  });

  it('runs `maestro init --create-namespace` once, as a one-shot the UI and workers wait for', () => {
    const init = services['maestro-init']!;
    expect(init.build).toBe('.');
    expect(init.command).toEqual(['init', '--create-namespace']);
    // Retried until the server answers; a one-shot, never restarted once it succeeded.
    expect(init.restart).toBe('on-failure');
    expect(init.environment?.TEMPORAL_TLS_CLIENT_CERT_PATH).toBe(join('/certs', CERT_FILES.clientCert('admin-tools')));
    expect(services['temporal-ui']!.depends_on).toHaveProperty('maestro-init.condition', 'service_completed_successfully');
  });

  it('uses the pinned images: the production server version, its admin-tools, and the UI `maestro dev` serves', () => {
    expect(services.temporal!.image).toBe(`temporalio/server:${PRODUCTION_SERVER_VERSION}`);
    expect(services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${PRODUCTION_SERVER_VERSION}`);
    // The pinned CLI says which UI it serves: "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)".
    const version = execFileSync(resolveTemporalBinary('cli'), ['--version'], { encoding: 'utf8' });
    const ui = /UI (\d+\.\d+\.\d+)/.exec(version)?.[1];
    expect(ui).toBeDefined();
    expect(tag(services['temporal-ui'])).toBe(ui);
    expect(JSON.stringify(compose)).not.toContain('auto-setup');
  });

  it('sets the schema up with the same temporal-sql-tool calls as the production route, before the server starts', () => {
    const script = interpolate(services['temporal-schema']!.command!.join('\n'), {});
    const calls: string[][] = [];
    const pg = { host: 'postgresql', port: 5432, user: 'temporal', password: '"$PGPW"', database: 'temporal', visibilityDatabase: 'temporal_visibility' };
    setupPostgresSchema(pg, { server: '', sqlTool: 'temporal-sql-tool', schemaDir: '/etc/temporal/schema' }, (file, args) => calls.push([file, ...args]));
    expect(calls).toHaveLength(6);
    const sqlFunction = /sql\(\) \{ (.*) "\$@"; \}/.exec(script)?.[1];
    for (const call of calls) {
      // The shared connection flags live in the script's sql() helper; the rest on one line each.
      expect(sqlFunction).toBe(call.slice(0, 11).join(' '));
      const line = `sql ${call.slice(11).join(' ')}`;
      expect(script).toContain(line.replace(/create-database$/, 'create-database || true'));
    }
    expect(services.temporal!.depends_on).toMatchObject({
      'temporal-schema': { condition: 'service_completed_successfully' },
      'temporal-config': { condition: 'service_completed_successfully' },
    });
  });

  it('publishes 7233 only with mutual TLS required, everything else only on 127.0.0.1', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    for (const { name, p } of published) {
      if (p.startsWith('127.0.0.1:')) continue;
      expect({ name, p }).toEqual({ name: 'temporal', p: '7233:7233' });
    }
    expect(services.postgresql!.ports).toBeUndefined();
    const config = runConfigService();
    const frontend = config.global.tls.frontend;
    expect(frontend.server.requireClientAuth).toBe(true);
    expect(frontend.server.clientCaFiles).toEqual([join(config.certsDir, CERT_FILES.ca)]);
    expect(config.global.tls.internode.server.requireClientAuth).toBe(true);
    // No port besides gRPC: no HTTP API, metrics or pprof.
    expect(config.services.frontend?.rpc).toEqual({ grpcPort: 7233, membershipPort: 6933, bindOnIP: services.temporal!.networks!.maestro!.ipv4_address });
    expect(config.metrics).toBeUndefined();
    // Every message (signal, update, start) is capped at 2 MiB, warned of from 512 KiB.
    expect(config.dynamic['limit.blobSize.error']).toEqual([{ value: 2 * 1024 * 1024, constraints: {} }]);
    expect(config.dynamic['limit.blobSize.warn']).toEqual([{ value: 512 * 1024, constraints: {} }]);
    expect(services.temporal!.entrypoint).toEqual(['temporal-server', '--config-file', '/config/config.yaml', '--allow-no-auth', 'start']);
    // The server certificate names the address the services announce and the name clients use.
    const certs = services.certs!.command!;
    expect(certs).toEqual(expect.arrayContaining(['--host', 'temporal', '--host', services.temporal!.networks!.maestro!.ipv4_address]));
    expect(frontend.client.serverName).toBe('temporal');
  });

  it('gives the Web UI its mTLS pair and a codec endpoint that answers it', async () => {
    const ui = services['temporal-ui']!;
    const codec = services.codec!;
    expect(ui.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TLS_CA: join('/certs', CERT_FILES.ca),
      TEMPORAL_TLS_CERT: join('/certs', CERT_FILES.clientCert('web-ui')),
      TEMPORAL_TLS_KEY: join('/certs', CERT_FILES.clientKey('web-ui')),
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
    const token = 'a'.repeat(48);
    const endpoint = new URL(interpolate(ui.environment!.TEMPORAL_CODEC_ENDPOINT!, { MAESTRO_CODEC_TOKEN: token }));
    expect(endpoint.pathname).toBe(`/${token}`);
    expect(codec.ports).toEqual([`127.0.0.1:${endpoint.port}:${endpoint.port}`]);
    const uiOrigin = `http://localhost:${ui.ports![0]!.split(':')[1]}`;
    expect(codec.command).toEqual(expect.arrayContaining(['--ui-origin', uiOrigin]));
    // The codec service's own command, on loopback and a free port: the UI's request decodes.
    const port = await freePort();
    const args = codec.command!.map((a, i, all) => (all[i - 1] === '--host' ? '127.0.0.1' : all[i - 1] === '--port' ? String(port) : a));
    const proc = spawnTracked(process.execPath, codec.entrypoint!.slice(1).concat(args), { ...process.env, MAESTRO_CODEC_TOKEN: token, MAESTRO_PAYLOAD_KEY: '' });
    try {
      await waitFor('the codec service to listen', () => proc.stdout().includes('payload codec endpoint'), 20_000);
      const post = (path: string) =>
        fetch(`http://127.0.0.1:${port}${path}/decode`, { method: 'POST', headers: { Origin: uiOrigin, 'Content-Type': 'application/json' }, body: JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hi"').toString('base64') }] }) });
      const ok = await post(`/${token}`);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { payloads: { data: string }[] }).payloads[0]!.data).toBe(Buffer.from('"hi"').toString('base64'));
      expect((await post('/wrong-token')).status).toBe(403);
    } finally {
      await proc.stop();
    }
  });

  it('refuses to start without the secrets it needs', () => {
    expect(() => interpolate(JSON.stringify(services.postgresql), {})).toThrow(/POSTGRES_PASSWORD/);
    expect(() => interpolate(JSON.stringify(services.codec), {})).toThrow(/MAESTRO_CODEC_TOKEN/);
  });
});
