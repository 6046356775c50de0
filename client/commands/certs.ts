import { resolve } from 'node:path';
import { makeCerts, STANDARD_CLIENTS, type CertsMade } from '../certs';
import { clusterNodes } from '../load-plan';
import type { Output } from '../output';

export interface CertsCommandOptions {
  output: Output;
  /** Folder of the certificates. Default `.maestro/certs`. */
  dir?: string;
  /** Names and addresses of the server certificate (repeatable). Default localhost, 127.0.0.1, temporal. */
  host?: string[];
  /** Client certificates to make. Default: every node of the cluster file (or the default nodes) and orchestrator, operator, web-ui, admin-tools. */
  client?: string[];
  clusterFile?: string;
  days?: number;
  force?: boolean;
  newCa?: boolean;
  json?: boolean;
}

/** `maestro certs`: the CA, server and client certificates of a cluster's mTLS (see client/certs.ts). */
export async function certsCommand(options: CertsCommandOptions): Promise<void> {
  const clients = options.client?.length ? options.client : [...(await clusterNodes(options.clusterFile)).map((n) => n.name), ...STANDARD_CLIENTS];
  const made = makeCerts({ dir: resolve(options.dir ?? '.maestro/certs'), serverHosts: options.host, clients, days: options.days, force: options.force, newCa: options.newCa });
  if (options.json) return options.output.out(JSON.stringify(made, null, 2));
  options.output.out(describe(made));
}

function describe(made: CertsMade): string {
  const lines = [
    `certificates in ${made.dir} (${made.written.length ? `${made.written.length} files written` : 'all present, nothing written'})`,
    `  CA             ${made.ca}  (keep ca-key.pem on this machine only)`,
    `  server         ${made.server.cert}  for ${made.server.hosts.join(', ')}`,
    ...Object.entries(made.clients).map(([name, c]) => `  ${name.padEnd(14)} ${c.cert}`),
    '',
    'On each machine, with only its own pair and the CA copied there:',
    '  TEMPORAL_TLS_CA=ca.pem TEMPORAL_TLS_CERT=clients/<name>.pem TEMPORAL_TLS_KEY=clients/<name>-key.pem',
  ];
  return lines.join('\n');
}
