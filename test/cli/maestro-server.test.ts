import { join } from 'node:path';
import { maestro } from '../helpers/cli';
import { STACK_FRAME } from '../helpers/plain-server';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, freePort, killSpawned, type Spawned, spawnMaestro, spawnOnFreePorts } from '../helpers/processes';
import { EXIT } from '../../client/exit-codes';

// `maestro server`: the cluster's server, prepared, telling nodes its address; and no second
// server (`server` or `dev`) silently attaching to a port someone else holds.
let server: Spawned;
let port: number;
let uiPort: number;
let metricsPort: number;
const dir = tempDir('maestro-server-');

beforeAll(async () => {
  await ensureBuilt();
  let metrics: number | undefined;
  ({ port, uiPort, metricsPort: metrics, proc: server } = await spawnOnFreePorts(
    (p) => spawnMaestro(['server', '--ip', '127.0.0.1', '--port', String(p.port), '--ui-port', String(p.uiPort), '--db-file', join(dir, 'server.sqlite'), '--metrics', `127.0.0.1:${p.metricsPort}`]),
    'maestro server to be ready',
    (p) => p.stdout().includes('Ctrl-C stops the server'),
    { metrics: true },
  ));
  metricsPort = metrics!;
}, 120_000);

afterAll(killSpawned);

const finished = async (s: Spawned) => ({ ...(await s.exited), out: s.stdout(), err: s.stderr() });

describe('maestro server', () => {
  it('--metrics serves runs by state and the Temporal server\'s own metrics, and /healthz', async () => {
    expect(server.stdout()).toContain(`Metrics:         http://127.0.0.1:${metricsPort}/metrics`);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^maestro_runs\{state="running"\} 0$/m);
    expect(text).toMatch(/^maestro_gates_open 0$/m);
    // The server's own, from its --metrics-port: requests it served (the count above is one).
    expect(text).toMatch(/^service_requests\{.*\} \d+/m);
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, connected: true, workers: [] });
  });

  it('prints the TEMPORAL_ADDRESS nodes use and says it has no TLS', () => {
    expect(server.stdout()).toContain(`export TEMPORAL_ADDRESS=127.0.0.1:${port}`);
    expect(server.stdout()).toContain('No TLS');
    expect(server.stdout()).toContain(`Web UI:          http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
  });

  it('serves a namespace with the search attributes registered', async () => {
    const r = await maestro(`127.0.0.1:${port}`, 'init', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ added: [], present: ['MaestroPlan', 'MaestroState', 'MaestroWave', 'MaestroServices'] });
  });

  it('a second `maestro server` on its port refuses to start, exit 3, naming the port', async () => {
    const r = await finished(spawnMaestro(['server', '--port', String(port), '--ui-port', String(await freePort()), '--db-file', join(dir, 'second.sqlite')]));
    expect(r.code).toBe(EXIT.refused);
    expect(r.err).toContain(`port 127.0.0.1:${port} is already in use`);
    expect(r.err + r.out).not.toMatch(STACK_FRAME);
  }, 60_000);

  it('`maestro dev` on its port refuses too, instead of attaching to it', async () => {
    const r = await finished(spawnMaestro(['dev', '--port', String(port), '--ui-port', String(await freePort()), '--db-file', join(dir, 'dev.sqlite')]));
    expect(r.code).toBe(EXIT.refused);
    expect(r.err).toContain(`port 127.0.0.1:${port} is already in use`);
    expect(r.err).not.toContain('Workers polling');
    expect(r.err + r.out).not.toMatch(STACK_FRAME);
  }, 60_000);

  it('a busy Web UI port is refused as well, naming the Web UI', async () => {
    const r = await finished(spawnMaestro(['dev', '--port', String(await freePort()), '--ui-port', String(uiPort), '--db-file', join(dir, 'dev2.sqlite')]));
    expect(r.code).toBe(EXIT.refused);
    expect(r.err).toContain(`the Web UI port 127.0.0.1:${uiPort} is already in use`);
  }, 60_000);

  it('stops cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code).toBe(0);
    const r = await maestro(`127.0.0.1:${port}`, 'list');
    expect(r.code).toBe(EXIT.unreachable);
  }, 30_000);
});
