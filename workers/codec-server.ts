import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';

/**
 * The payload codec over HTTP, as the Temporal Web UI (and `temporal --codec-endpoint`) expect
 * it: `POST /encode` and `POST /decode` with `{"payloads": [{"metadata": {k: base64}, "data":
 * base64}]}` in and out. Browsers may call it only from the given UI origins (CORS); it binds
 * to loopback by default, because whoever reaches it can read every payload.
 */
export interface CodecServerOptions {
  /** The data converter's codecs, in its order: encode applies them first to last, decode last to first. */
  codecs: PayloadCodec[];
  /** Origins of the Web UI allowed to call it, e.g. `http://127.0.0.1:8233`. */
  uiOrigins: string[];
  logger?: Logger;
}

export interface CodecServer {
  /** Base URL to hand to the UI (`--ui-codec-endpoint`). */
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
  const server = createServer((req, res) => {
    handle(req, res, options.codecs, origins).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) options.logger?.warn({ err }, 'codec endpoint failed');
      send(res, status, { message: (err as Error).message });
    });
  });
  const host = '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  options.logger?.info({ url, uiOrigins: options.uiOrigins }, 'payload codec endpoint listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, codecs: PayloadCodec[], origins: Set<string>): Promise<void> {
  const origin = req.headers.origin;
  // No Origin: a CLI or a script on this machine. A foreign one: a web page that is not the UI.
  if (origin !== undefined && !origins.has(origin)) throw new HttpError(403, `origin ${origin} may not use this codec endpoint`);
  if (origin !== undefined) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.writeHead(204).end();
    return;
  }
  const path = (req.url ?? '').split('?')[0]?.replace(/\/+$/, '');
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
