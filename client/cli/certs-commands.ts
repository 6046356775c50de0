import { certsCommand } from '../commands/certs';
import type { CommandRegistrar } from './context';
import { intFlag } from './flags';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `certs`: the mTLS certificates of the production route (docs/production.md). */
export const registerCertsCommands: CommandRegistrar = (program, ctx) => {
  program
    .command('certs')
    .description('make the CA, the server certificate and one client certificate per node and operator (mTLS, openssl)')
    .option('--dir <dir>', 'folder of the certificates', '.maestro/certs')
    .option('--host <name-or-ip>', 'a name or address the server certificate is valid for (repeatable; default localhost, 127.0.0.1, temporal)', collect)
    .option('--client <name>', 'a client certificate to make (repeatable; default every node, orchestrator, operator, web-ui, admin-tools)', collect)
    .option('--cluster <file>', 'cluster file naming the nodes')
    .option('--days <n>', 'validity in days', '825')
    .option('--force', 'make the server and client certificates again, keeping the CA')
    .option('--new-ca', 'make a new CA and every certificate again')
    .option('--json', 'print what was made as JSON')
    .action((flags: { dir: string; host?: string[]; client?: string[]; cluster?: string; days: string; force?: boolean; newCa?: boolean; json?: boolean }) =>
      ctx.execute(() =>
        certsCommand({ output: ctx.output, dir: flags.dir, host: flags.host, client: flags.client, clusterFile: flags.cluster, days: intFlag('--days', flags.days, { min: 1, max: 36500 }), force: flags.force, newCa: flags.newCa, json: flags.json }),
      ),
    );
};
