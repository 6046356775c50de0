import { MAX_SERVICES_IN_FLIGHT } from '../../plan/defaults';
import { tuneCommand, type TuneSetting } from '../commands/tune';
import type { CommandRegistrar } from './context';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { intFlag } from './flags';

interface TuneFlags extends ConnectionFlags {
  as?: string;
  key?: string;
  maxParallel?: string;
  excludeNode?: string;
  includeNode?: string;
  pauseAfterWave?: string;
  comment?: string;
  json?: boolean;
}

/** The settings the flags ask for, in flag order; the command accepts exactly one. */
function settingsOf(flags: TuneFlags): TuneSetting[] {
  const settings: TuneSetting[] = [];
  if (flags.maxParallel !== undefined) settings.push({ maxParallel: intFlag('--max-parallel', flags.maxParallel, { max: MAX_SERVICES_IN_FLIGHT }) });
  if (flags.excludeNode !== undefined) settings.push({ excludeNode: flags.excludeNode.trim() });
  if (flags.includeNode !== undefined) settings.push({ includeNode: flags.includeNode.trim() });
  if (flags.pauseAfterWave !== undefined) settings.push({ pauseAfterWave: intFlag('--pause-after-wave', flags.pauseAfterWave) });
  return settings;
}

/** `maestro tune`: a live change to a running run. */
export const registerTuneCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('tune')
      .description('change a running run: one of --max-parallel, --exclude-node, --include-node, --pause-after-wave (refused with the reason, exit 3, when impossible)')
      .argument('<id>', 'run id')
      .option('--as <name>', "who changes the run (checked against the plan approvers; a signed run takes the name from the key, and --as must match it; required for a run that takes no signed answers)")
      .option('--key <path>', 'ed25519 key that signs the change (default: MAESTRO_KEY, else the local key)')
      .option('--max-parallel <n>', 'services in flight at once from now on; running services finish')
      .option('--exclude-node <name>', 'no service starts on this node any more: services not started yet go to their other nodes; running ones finish')
      .option('--include-node <name>', 'let services start on an excluded node again')
      .option('--pause-after-wave <n>', 'pause the run once waves 1..N have settled (resume with maestro resume)')
      .option('--comment <text>', 'kept in the audit trail')
      .option('--json', 'print the result as JSON'),
  ).action((runId: string, flags: TuneFlags) =>
    ctx.execute(() => tuneCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, as: flags.as, key: flags.key, settings: settingsOf(flags), comment: flags.comment, json: flags.json })),
  );
};
