import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PortInUseError } from '../../workers/dev-server';
import { tempDir } from '../helpers/plans';
import { freePort, killSpawned, portOf, startServerProcessTracked } from '../helpers/processes';

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
