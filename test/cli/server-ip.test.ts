import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { maestro } from '../helpers/cli';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, freePort, killSpawned, type Spawned, spawnMaestro, spawnOnFreePorts, untilReady, workersPolling } from '../helpers/processes';

// `maestro server --ip <one address>`: the address nodes use must carry whole runs, not only
// answer DescribeNamespace. The pinned dev server binds its internal services (history,
// matching, worker) on --ip but dials them on 127.0.0.1, so on any single address other than
// 127.0.0.1 every start failed with "dial tcp 127.0.0.1:…: connection refused".
// 127.0.0.2 is a second loopback address: a specific address that is not 127.0.0.1.
const IP = '127.0.0.2';
const dir = tempDir('maestro-server-ip-');
const planFile = join(dir, 'plan.yaml');
let server: Spawned;
let address: string;

function listens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  await ensureBuilt();
  writeFileSync(planFile, 'apiVersion: maestro/v1\nname: over-ip\nservices:\n  api:\n    node: macpro51\n    steps:\n      - { name: hello, run: [echo, hello over the address] }\n');
  let port: number;
  ({ port, proc: server } = await spawnOnFreePorts(
    (ports) => spawnMaestro(['server', '--ip', IP, '--port', String(ports.port), '--ui-port', String(ports.uiPort), '--db-file', join(dir, 'server.sqlite')]),
    'maestro server to be ready',
    (p) => p.stdout().includes('Ctrl-C stops the server'),
  ));
  address = `${IP}:${port}`;
}, 120_000);

afterAll(killSpawned);

describe(`maestro server --ip ${IP}`, () => {
  it('tells nodes that address', () => {
    expect(server.stdout()).toContain(`export TEMPORAL_ADDRESS=${address}`);
  });

  it('carries a whole run for workers and a CLI that know only that address', async () => {
    const worker = spawnMaestro(['worker', '--orchestrator', '--node', 'macpro51', '--address', address]);
    await untilReady(worker, 'the workers to poll', workersPolling, 60_000);
    const r = await maestro(address, 'run', planFile, '--wait');
    expect(`${r.code}\n${r.out}\n${r.err}`).toMatch(/^0\n/);
    const status = await maestro(address, 'status', 'over-ip', '--json');
    expect(JSON.parse(status.out)).toMatchObject({ state: 'succeeded' });
    await worker.stop();
  }, 120_000);

  it('stops on SIGTERM and leaves nothing listening on the address', async () => {
    await server.stop(20_000);
    expect(await server.exited).toMatchObject({ code: 0 });
    expect(await listens(IP, Number(address.split(':')[1]))).toBe(false);
  }, 30_000);
});

describe('maestro server --ip <an address this machine does not have>', () => {
  it('is invalid input naming the address, before anything starts', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a real interface.
    const r = spawnMaestro(['server', '--ip', '192.0.2.1', '--port', String(await freePort()), '--db-file', join(dir, 'never.sqlite')]);
    const { code } = await r.exited;
    expect(code).toBe(2);
    expect(r.stderr()).toContain('192.0.2.1 is not an address of this machine');
    expect(r.stderr()).not.toMatch(/^\s+at /m);
  }, 30_000);
});
