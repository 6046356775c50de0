import { EXIT } from '../../client/exit-codes';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PortInUseError } from '../../workers/dev-server';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, freePort, killSpawned, portOf, type Spawned, spawnMaestro, spawnOnFreePorts, startServerProcessTracked } from '../helpers/processes';

// freePort() finds a port free, then the server binds it: in between, another test file's process
// can take it ("address already in use"). Here a listener takes it first, every time.
let taken: Server;
let takenPort: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  await killSpawned();
});

test('a test server whose free port was taken before it bound it starts on a fresh one', async () => {
  const picked: number[] = [];
  const server = await startServerProcessTracked({
    dbFile: join(tempDir('maestro-db-'), 'dev.sqlite'),
    pickPort: async () => {
      picked.push(picked.length === 0 ? takenPort : await freePort());
      return picked[picked.length - 1]!;
    },
  });
  try {
    expect(picked).toHaveLength(2);
    expect(picked[0]).toBe(takenPort);
    expect(portOf(server.address)).toBe(picked[1]);
  } finally {
    await server.stop();
  }
}, 120_000);

test('a server restarted on its own port does not move: a taken port is an error', async () => {
  await expect(startServerProcessTracked({ port: takenPort, dbFile: join(tempDir('maestro-db-'), 'dev.sqlite') })).rejects.toBeInstanceOf(PortInUseError);
});

test('a given Web UI port that is taken is an error at once, for the caller to pick another', async () => {
  const err = await startServerProcessTracked({ uiPort: takenPort, headless: false, dbFile: join(tempDir('maestro-db-'), 'dev.sqlite') }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PortInUseError);
  expect((err as PortInUseError).port).toBe(takenPort);
});

test('a `maestro server` whose free port was taken before it bound it is spawned again on fresh ports', async () => {
  await ensureBuilt();
  const picked: number[] = [];
  const tries: Spawned[] = [];
  const dir = tempDir('maestro-db-');
  const { port, uiPort, proc } = await spawnOnFreePorts(
    (p) => {
      const s = spawnMaestro(['server', '--port', String(p.port), '--ui-port', String(p.uiPort), '--db-file', join(dir, `server-${tries.length}.sqlite`)]);
      tries.push(s);
      return s;
    },
    'maestro server to be ready',
    (p) => p.stdout().includes('Ctrl-C stops the server'),
    {
      pickPort: async () => {
        picked.push(picked.length === 0 ? takenPort : await freePort());
        return picked[picked.length - 1]!;
      },
    },
  );
  try {
    expect(tries).toHaveLength(2);
    expect(tries[0]!.stderr()).toContain(`port 127.0.0.1:${takenPort} is already in use`);
    expect((await tries[0]!.exited).code).toBe(EXIT.refused);
    expect(picked).toEqual([takenPort, expect.any(Number), port, uiPort]);
    expect(proc).toBe(tries[1]);
    expect(proc.stdout()).toContain(`export TEMPORAL_ADDRESS=127.0.0.1:${port}`);
  } finally {
    await proc.stop();
  }
}, 180_000);
