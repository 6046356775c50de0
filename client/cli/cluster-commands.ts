import { initCommand } from '../commands/init';
import { serverCommand } from '../commands/server';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import type { CommandRegistrar } from './context';
import { hostPortFlag, intFlag } from './flags';
import { serverFlags, withServerFlags, type ServerFlags } from './server-flags';

/** `init` and `server`: preparing a Temporal server for Maestro, and running the cluster's own. */
export const registerClusterCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('init')
      .description("prepare a Temporal server for Maestro: register Maestro's search attributes (and with --create-namespace the namespace); safe to repeat")
      .option('--create-namespace', 'register the namespace if the server does not know it')
      .option('--retention-days <days>', 'with --create-namespace: how long closed runs are kept', '30')
      .option('--json', 'print what was done as JSON'),
  ).action((flags: ConnectionFlags & { createNamespace?: boolean; retentionDays: string; json?: boolean }) =>
    ctx.execute(() =>
      initCommand({
        output: ctx.output,
        connection: settingsFromFlags(flags),
        createNamespace: flags.createNamespace,
        retentionDays: intFlag('--retention-days', flags.retentionDays, { min: 1, max: 36500 }),
        json: flags.json,
      }),
    ),
  );

  withServerFlags(
    program.command('server').description("the cluster's Temporal server on this machine: SQLite file, Web UI, search attributes registered; no TLS (Ctrl-C stops it)"),
    {
      ip: 'listen on this address (a LAN or tailnet address of this machine) so nodes can reach it',
      uiIp: 'address of the Web UI and its payload codec endpoint (no login: whoever reaches them reads every run)',
      dbFile: 'SQLite file that keeps the runs (default .maestro/data/server.sqlite)',
    },
  )
    .option('--metrics <host:port>', 'serve Prometheus metrics (runs by state, open gates, the Temporal server\'s own) at /metrics and health at /healthz on this address')
    .action((flags: ServerFlags & { metrics?: string }) =>
      ctx.execute(() => serverCommand({ output: ctx.output, ...serverFlags(flags), ...(flags.metrics === undefined ? {} : { metrics: hostPortFlag('--metrics', flags.metrics) }) })),
    );
};
