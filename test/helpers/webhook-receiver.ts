import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * A real HTTP receiver on 127.0.0.1 that can be down: its port is chosen once, `up()` listens on
 * it, `down()` closes it, so a sender meanwhile has its connections refused. Answers `status`.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  status = 200;
  private server?: Server;

  private constructor(readonly port: number) {}

  /** A receiver whose port is known but which does not listen yet. */
  static async reserve(): Promise<WebhookReceiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return new WebhookReceiver(port);
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The bodies received on `path` so far. */
  bodies<T = Record<string, unknown>>(path: string): T[] {
    return this.received.filter((r) => r.path === path).map((r) => r.body as T);
  }
}
