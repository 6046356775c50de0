import type { CommandRegistrar } from './context';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { runCommand } from '../commands/run';
import { statusCommand } from '../commands/status';

interface RunFlags extends ConnectionFlags {
  id?: string;
  wait?: boolean;
  watch?: boolean;
  autoApprove?: boolean;
  as?: string;
  json?: boolean;
  cluster?: string;
  requireNodes?: boolean;
}

/** `run` and `status`: start a run and look at it. */
export const registerRunCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('run')
      .description('validate a plan and start a run (the run id is its lock: a second start of an open run is refused)')
      .argument('<plan>', 'plan file (YAML)')
      .option('--id <id>', 'run id (default: the plan name)')
      .option('--wait', 'wait for the outcome: exit 0 on success, 1 if it failed or was rolled back')
      .option('--watch', 'follow the run (live view on a terminal, one line per event otherwise), then exit like --wait')
      .option('--auto-approve', 'approve every gate as the operator running this command')
      .option('--as <name>', 'operator name recorded as the starter (default: the OS user)')
      .option('--cluster <file>', 'cluster file naming the nodes')
      .option('--require-nodes', 'refuse (exit 3) instead of warning when the orchestrator or a node the plan needs has no polling worker')
      .option('--json', 'print JSON'),
  ).action((file: string, flags: RunFlags) =>
    ctx.execute(() =>
      runCommand({ output: ctx.output, connection: settingsFromFlags(flags), file, clusterFile: flags.cluster, id: flags.id, wait: flags.wait, watch: flags.watch, autoApprove: flags.autoApprove, as: flags.as, json: flags.json, requireNodes: flags.requireNodes }),
    ),
  );

  withConnectionFlags(
    program.command('status').description("a run's state: waves, services, steps, gates, audit").argument('<id>', 'run id').option('--json', 'print the progress as JSON'),
  ).action((runId: string, flags: ConnectionFlags & { json?: boolean }) =>
    ctx.execute(() => statusCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, json: flags.json })),
  );
};
