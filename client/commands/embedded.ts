import type { DataConverter } from '@temporalio/common';
import type { Logger } from 'pino';
import type { EmbeddedServer } from '../../workers/embedded-server';
import { embeddedServerError } from '../embedded-server-errors';
import type { Output } from '../output';

/** What `maestro dev` and `maestro server` share: where the embedded server and its Web UI listen, and its SQLite file. */
export interface EmbeddedServerCommandOptions {
  output: Output;
  /** Address the gRPC frontend listens on (for `server`, a LAN or tailnet address of this machine). Default 127.0.0.1. */
  ip?: string;
  /** gRPC port. Default 7233. */
  port: number;
  /** Address of the Web UI and its payload codec endpoint. Default 127.0.0.1. */
  uiIp?: string;
  /** Web UI port. Default port + 1000. */
  uiPort?: number;
  /** SQLite file that keeps the runs. Default `.maestro/data/dev.sqlite` (dev) or `.maestro/data/server.sqlite` (server). */
  dbFile?: string;
}

/** Starts the embedded server (workers/embedded-server.ts) as the options say; a refused start is the CLI's error. */
export async function startEmbeddedFor(options: EmbeddedServerCommandOptions, dbFile: string | undefined, dataConverter: DataConverter, logger: Logger, extraArgs?: string[]): Promise<EmbeddedServer> {
  // Loaded only when a server starts: the SDK's worker side is heavy for the other commands.
  const { startEmbeddedServer } = await import('../../workers/embedded-server');
  return startEmbeddedServer({ ip: options.ip, port: options.port, uiIp: options.uiIp, uiPort: options.uiPort, dbFile, dataConverter, logger, ...(extraArgs ? { extraArgs } : {}) }).catch((err: unknown) => {
    throw embeddedServerError(err);
  });
}
