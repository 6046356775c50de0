import { createServer, type Server } from 'node:net';
import { tcpReachable } from '../../connection/diagnose';

// simulate reads past runs only where something listens: a refused address is known at once
// instead of after the client's connect timeout.
describe('tcpReachable', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is true where something listens', async () => {
    expect(await tcpReachable(`127.0.0.1:${port}`)).toBe(true);
  });

  it('is false where nothing listens (the port closed again)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await tcpReachable(`127.0.0.1:${free}`)).toBe(false);
  });
});
