import { connect, createServer, type Socket } from 'node:net';

export interface TcpForwarder {
  /** Stops listening and cuts every forwarded connection. */
  close(): Promise<void>;
}

/**
 * Listens on `listen` and pipes each connection, byte for byte, to `target`. The dev server's
 * frontend stays on 127.0.0.1 (where its own services dial it) and nodes reach it here.
 * Rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL) when the address cannot be bound.
 */
export async function startTcpForwarder(listen: { host: string; port: number }, target: { host: string; port: number }): Promise<TcpForwarder> {
  const open = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(target);
    for (const s of [inbound, outbound]) {
      open.add(s);
      // gRPC sends many small frames: do not let Nagle hold them back.
      s.setNoDelay(true);
      s.once('close', () => open.delete(s));
    }
    // One side failing or closing ends the other: a half-dead pair would hang the client.
    inbound.once('error', () => outbound.destroy());
    outbound.once('error', () => inbound.destroy());
    inbound.once('close', () => outbound.destroy());
    outbound.once('close', () => inbound.destroy());
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
