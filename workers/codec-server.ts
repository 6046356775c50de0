import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';

/**
 * The payload codec over HTTP, as the Temporal Web UI (and `temporal --codec-endpoint`) expect
 * it: `POST /encode` and `POST /decode` with `{"payloads": [{"metadata": {k: base64}, "data":
 * base64}]}` in and out. Whoever reaches it can read every payload, so it answers only the Web UI
 * it serves: it binds to loopback, its URL carries a random token (`http://127.0.0.1:P/<token>`,
 * handed to the UI with `--ui-codec-endpoint`), and a request must come from one of the UI's
 * origins — a local process without an Origin header, or a web page of another origin, is
 * refused (403). `maestro` itself decodes with its own codecs and never needs the endpoint.
 */
export interface CodecServerOptions {
  /** The data converter's codecs, in its order: encode applies them first to last, decode last to first. */
  codecs: PayloadCodec[];
  /** Origins of the Web UI allowed to call it, e.g. `http://127.0.0.1:8233`. */
  uiOrigins: string[];
  /** Address to listen on. Default 127.0.0.1; another only where the Web UI's browsers need it, since whoever reaches it can read every payload. */
  host?: string;
  /** Port to listen on. Default: one the system picks. */
  port?: number;
  /** The URL's token. Default: a random one. Given only where the UI's configuration must name the URL ahead (docker-compose); at least 32 characters. */
  token?: string;
  logger?: Logger;
}

export interface CodecServer {
  /** Base URL to hand to the UI (`--ui-codec-endpoint`), the token included: as secret as the payload key while the server runs. */
  url: string;
  close(): Promise<void>;
}

/** Larger request bodies are refused (413). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.uiOrigins);
  if (options.token !== undefined && !/^[A-Za-z0-9_-]{32,}$/.test(options.token)) {
    throw new Error('the codec endpoint token must be at least 32 letters, digits, - or _ (e.g. `openssl rand -hex 24`)');
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const server = createServer((req, res) => {
    handle(req, res, options.codecs, origins, token).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) options.logger?.warn({ err }, 'codec endpoint failed');
      send(res, status, { message: (err as Error).message });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `${base}/${token}`;
  options.logger?.info({ url: `${base}/…`, uiOrigins: options.uiOrigins }, 'payload codec endpoint listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, codecs: PayloadCodec[], origins: Set<string>, token: string): Promise<void> {
  const origin = req.headers.origin;
  // No Origin: a process on this machine, not the UI's page. A foreign one: another web page.
  if (origin === undefined) throw new HttpError(403, 'this codec endpoint answers only the Web UI (no Origin header)');
  if (!origins.has(origin)) throw new HttpError(403, `origin ${origin.slice(0, 100)} may not use this codec endpoint`);
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.writeHead(204).end();
    return;
  }
  const [, given = '', action = '', ...rest] = ((req.url ?? '').split('?')[0] ?? '').replace(/\/+$/, '').split('/');
  if (!sameToken(given, token)) throw new HttpError(403, 'wrong or missing codec endpoint token');
  const path = rest.length ? '' : `/${action}`;
  if (path !== '/encode' && path !== '/decode') throw new HttpError(404, 'POST /encode or /decode');
  if (req.method !== 'POST') throw new HttpError(405, 'POST only');
  let payloads = fromJson(await readBody(req));
  if (path === '/encode') for (const codec of codecs) payloads = await codec.encode(payloads);
  else for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
  send(res, 200, { payloads: payloads.map(toJson) });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function fromJson(body: unknown): Payload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'expected {"payloads": [...]}');
  return payloads.map((p: JsonPayload) => ({
    metadata: Object.fromEntries(Object.entries(p?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64')])),
    data: Buffer.from(String(p?.data ?? ''), 'base64'),
  }));
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
