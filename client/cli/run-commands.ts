import type { CommandRegistrar } from './context';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { runCommand } from '../commands/run';
import { statusCommand } from '../commands/status';
import { verifyCommand } from '../commands/verify';
import { durationFlag } from './flags';

interface RunFlags extends ConnectionFlags {
  id?: string;
  wait?: boolean;
  watch?: boolean;
  autoApprove?: boolean;
  as?: string;
  json?: boolean;
  cluster?: string;
  requireNodes?: boolean;
  key?: string;
  trust?: string;
  expires?: string;
}

/** `run`, `status` and `verify`: start a run, look at it, re-check its signatures. */
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
      .option('--as <name>', 'operator name recorded as the starter (default: the signing key\'s name in the trust file)')
      .option('--key <path>', 'ed25519 key that signs the plan (default: MAESTRO_KEY, else the local key maestro dev made)')
      .option('--trust <file>', 'trust file (allowed_signers) whose approval keys the run accepts (default: MAESTRO_TRUST, else the local one)')
      .option('--expires <duration>', 'how long the plan signature lets steps start', '7d')
      .option('--cluster <file>', 'cluster file naming the nodes')
      .option('--require-nodes', 'refuse (exit 3) instead of warning when the orchestrator or a node the plan needs has no polling worker')
      .option('--json', 'print JSON'),
  ).action((file: string, flags: RunFlags) =>
    ctx.execute(() =>
      runCommand({ output: ctx.output, connection: settingsFromFlags(flags), file, clusterFile: flags.cluster, id: flags.id, wait: flags.wait, watch: flags.watch, autoApprove: flags.autoApprove, as: flags.as, json: flags.json, requireNodes: flags.requireNodes, key: flags.key, trust: flags.trust, expiresMs: durationFlag('--expires', flags.expires ?? '7d') }),
    ),
  );

  withConnectionFlags(
    program.command('status').description("a run's state: waves, services, steps, gates, audit").argument('<id>', 'run id').option('--json', 'print the progress as JSON'),
  ).action((runId: string, flags: ConnectionFlags & { json?: boolean }) =>
    ctx.execute(() => statusCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, json: flags.json })),
  );

  withConnectionFlags(
    program
      .command('verify')
      .description("re-check every signature in a run's history (the plan's, each signed answer's) against a trust file; exit 3 if any is not ok")
      .argument('<id>', 'run id')
      .option('--trust <file>', 'trust file (allowed_signers) to check against (default: MAESTRO_TRUST, else the local one)')
      .option('--json', 'print JSON'),
  ).action((runId: string, flags: ConnectionFlags & { trust?: string; json?: boolean }) =>
    ctx.execute(() => verifyCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, trust: flags.trust, json: flags.json })),
  );
};
