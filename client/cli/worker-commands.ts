import type { CommandRegistrar } from './context';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { workerCommand } from '../commands/worker';
import { devCommand } from '../commands/dev';
import { installCommand } from '../commands/install';
import { InvalidInputError } from '../errors';
import { hostPortFlag } from './flags';
import { serverFlags, withServerFlags, type ServerFlags } from './server-flags';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const METRICS_HELP = 'serve Prometheus metrics at /metrics and health at /healthz on this address (e.g. 127.0.0.1:9464)';

export const registerWorkerCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('worker')
      .description('run workers on this machine: a node worker (--node) and/or the orchestrator (--orchestrator); --install makes them a system service')
      .option('--node <name>', 'run the steps routed to this node (repeatable)', collect)
      .option('--orchestrator', 'run the deployment and service workflows')
      .option('--metrics <host:port>', METRICS_HELP)
      .option('--install', 'instead of running: write and enable a systemd unit (Linux) or LaunchDaemon (macOS) that runs these workers, with an env file of the connection settings')
      .option('--uninstall', 'stop, disable and remove the service --install made')
      .option('--user <name>', 'with --install: the user the service runs as (default: the user who ran sudo)')
      .option('--unit-dir <dir>', 'with --install: where the unit or plist goes (default /etc/systemd/system or /Library/LaunchDaemons)')
      .option('--env-dir <dir>', 'with --install: where the env file goes (default /etc/maestro)')
      .option('--no-enable', 'with --install/--uninstall: only write or remove the files')
      .option('--cluster <file>', "cluster file: a node worker refuses to start when this machine's os/arch is not its node's (default: MAESTRO_CLUSTER, else maestro.cluster.yaml here)")
      .option('--trust <file>', 'allowed_signers file: node workers run only steps of plans signed by its maestro-plan keys (default: MAESTRO_TRUST)')
      .option('--insecure-unsigned', 'node workers run any step, signed or not (a closed test rig only; shows in maestro nodes)'),
  ).action(
    (
      flags: ConnectionFlags & { node?: string[]; orchestrator?: boolean; metrics?: string; install?: boolean; uninstall?: boolean; user?: string; unitDir?: string; envDir?: string; enable: boolean; cluster?: string; trust?: string; insecureUnsigned?: boolean },
    ) =>
      ctx.execute(() => {
        if (flags.install || flags.uninstall) {
          if (flags.install && flags.uninstall) throw new InvalidInputError('--install and --uninstall together');
          return installCommand({
            output: ctx.output,
            connection: settingsFromFlags(flags),
            flags,
            nodes: flags.node ?? [],
            orchestrator: Boolean(flags.orchestrator),
            action: flags.install ? 'install' : 'uninstall',
            user: flags.user,
            unitDir: flags.unitDir,
            envDir: flags.envDir,
            enable: flags.enable,
            clusterFile: flags.cluster,
            trust: flags.trust,
            insecureUnsigned: flags.insecureUnsigned,
          });
        }
        return workerCommand({
          connection: settingsFromFlags(flags),
          node: flags.node,
          orchestrator: flags.orchestrator,
          metrics: flags.metrics === undefined ? undefined : hostPortFlag('--metrics', flags.metrics),
          clusterFile: flags.cluster,
          trust: flags.trust,
          insecureUnsigned: flags.insecureUnsigned,
        });
      }),
  );

  withServerFlags(program.command('dev').description('embedded Temporal server + Web UI + all workers in one process (Ctrl-C stops everything)'), {
    ip: 'address the embedded server listens on (default this machine only; it has no TLS)',
    uiIp: 'address of the Web UI and its payload codec endpoint',
    dbFile: 'SQLite file that keeps runs across restarts (default .maestro/data/dev.sqlite)',
  })
    .option('--demo', 'start the demo plan once everything runs')
    .option('--metrics <host:port>', METRICS_HELP)
    .option('--trust <file>', 'trust file of the node workers (default: MAESTRO_TRUST, else .maestro/allowed_signers, made with a local key on first use)')
    .action((flags: ServerFlags & { demo?: boolean; metrics?: string; trust?: string }) =>
      ctx.execute(() =>
        devCommand({
          output: ctx.output,
          ...serverFlags(flags),
          demo: flags.demo,
          metrics: flags.metrics === undefined ? undefined : hostPortFlag('--metrics', flags.metrics),
          trust: flags.trust,
        }),
      ),
    );
};
