import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import { AesGcmPayloadCodec } from '../connection/codec';
import { startCodecServer, type CodecServer } from './codec-server';
import { hostPort, startDevServer, type DevServer } from './dev-server';

export interface EmbeddedServerOptions {
  /** Address of the gRPC frontend. Default 127.0.0.1. */
  ip?: string;
  /** gRPC port. Default 7233. */
  port: number;
  /** Address of the Web UI and its codec endpoint. Default 127.0.0.1. */
  uiIp?: string;
  /** Web UI port. Default port + 1000. */
  uiPort?: number;
  /** SQLite file. Default `.maestro/data/dev.sqlite`. */
  dbFile?: string;
  /** The data converter whose codecs the Web UI's codec endpoint applies. */
  dataConverter: DataConverter;
  logger: Logger;
  /** Extra `temporal server start-dev` arguments (`maestro server --metrics` adds `--metrics-port`). */
  extraArgs?: string[];
}

export interface EmbeddedServer {
  server: DevServer;
  codec: CodecServer;
  /** Payloads are encrypted (MAESTRO_PAYLOAD_KEY is set). */
  encrypts: boolean;
  stop(): Promise<void>;
}

/**
 * The pinned Temporal dev server (SQLite file, Maestro's search attributes) with its Web UI, and
 * the payload codec endpoint the UI decodes through — what `maestro dev` and `maestro server` run.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const codecs = options.dataConverter.payloadCodecs ?? [];
  const encrypts = codecs.some((c) => c instanceof AesGcmPayloadCodec && c.encrypts);
  const uiIp = options.uiIp ?? '127.0.0.1';
  const uiPort = options.uiPort ?? options.port + 1000;
  const uiHosts = uiIp === '127.0.0.1' ? ['127.0.0.1', 'localhost'] : [uiIp];
  const uiOrigins = uiHosts.map((host) => `http://${hostPort(host, uiPort)}`);
  const codec = await startCodecServer({ codecs, uiOrigins, host: uiIp, logger: options.logger });
  const server = await startDevServer({ ip: options.ip, port: options.port, uiIp, uiPort, dbFile: options.dbFile, logger: options.logger, uiCodecEndpoint: codec.url, extraArgs: options.extraArgs }).catch(
    async (err: unknown) => {
      await codec.close();
      throw err;
    },
  );
  return {
    server,
    codec,
    encrypts,
    async stop() {
      await server.stop();
      await codec.close();
    },
  };
}
