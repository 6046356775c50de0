import type { CommandRegistrar } from './context';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { workerCommand } from '../commands/worker';
import { devCommand } from '../commands/dev';
import { InvalidInputError } from '../errors';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidInputError(`invalid port "${value}"`, 'Use a number from 1 to 65535.');
  return n;
}

export const registerWorkerCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('worker')
      .description('run workers on this machine: a node worker (--node) and/or the orchestrator (--orchestrator)')
      .option('--node <name>', 'run the steps routed to this node (repeatable)', collect)
      .option('--orchestrator', 'run the deployment and service workflows'),
  ).action((flags: ConnectionFlags & { node?: string[]; orchestrator?: boolean }) =>
    ctx.execute(() => workerCommand({ connection: settingsFromFlags(flags), node: flags.node, orchestrator: flags.orchestrator })),
  );

  program
    .command('dev')
    .description('embedded Temporal server + Web UI + all workers in one process (Ctrl-C stops everything)')
    .option('--port <port>', 'gRPC port of the embedded server', '7233')
    .option('--ui-port <port>', 'Web UI port (default: port + 1000)')
    .option('--db-file <file>', 'SQLite file that keeps runs across restarts (default .maestro/data/dev.sqlite)')
    .option('--demo', 'start the demo plan once everything runs')
    .action((flags: { port: string; uiPort?: string; dbFile?: string; demo?: boolean }) =>
      ctx.execute(() =>
        devCommand({
          output: ctx.output,
          port: port(flags.port),
          uiPort: flags.uiPort === undefined ? undefined : port(flags.uiPort),
          dbFile: flags.dbFile,
          demo: flags.demo,
        }),
      ),
    );
};
