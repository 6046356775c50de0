import type { Command } from 'commander';
import { intFlag } from './flags';

export const PORT_RANGE = { min: 1, max: 65535 };

/** The flags `maestro dev` and `maestro server` share, as commander gives them. */
export interface ServerFlags {
  ip: string;
  port: string;
  uiIp: string;
  uiPort?: string;
  dbFile?: string;
}

/** What each command says of the flags whose meaning differs between them. */
export interface ServerFlagsHelp {
  ip: string;
  uiIp: string;
  dbFile: string;
}

/** Adds where the embedded server and its Web UI listen, and its SQLite file. */
export function withServerFlags(command: Command, help: ServerFlagsHelp): Command {
  return command
    .option('--ip <address>', help.ip, '127.0.0.1')
    .option('--port <port>', 'gRPC port', '7233')
    .option('--ui-ip <address>', help.uiIp, '127.0.0.1')
    .option('--ui-port <port>', 'Web UI port (default: port + 1000)')
    .option('--db-file <file>', help.dbFile);
}

/** The flags checked: ports are whole numbers in range (exit 2 otherwise). */
export function serverFlags(flags: ServerFlags): { ip: string; port: number; uiIp: string; uiPort?: number; dbFile?: string } {
  return {
    ip: flags.ip,
    port: intFlag('--port', flags.port, PORT_RANGE),
    uiIp: flags.uiIp,
    uiPort: flags.uiPort === undefined ? undefined : intFlag('--ui-port', flags.uiPort, PORT_RANGE),
    dbFile: flags.dbFile,
  };
}
