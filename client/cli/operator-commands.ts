import { Option } from 'commander';
import { parseDuration } from '../../plan/durations';
import { execCommand } from '../commands/exec';
import { listCommand } from '../commands/list';
import { DEFAULT_STALE_AFTER, nodesCommand } from '../commands/nodes';
import { REPORT_FORMATS, reportCommand, type ReportFormat } from '../commands/report';
import { watchCommand } from '../commands/watch';
import { InvalidInputError } from '../errors';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import type { CommandRegistrar } from './context';

interface JsonFlag {
  json?: boolean;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`${flag}: expected a positive whole number, got "${value}"`);
  return n;
}

function durationMs(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidInputError(`${flag}: malformed duration "${value}"`, 'Use e.g. 500ms, 2s or 1m.');
  return ms;
}

const clusterOption = () => new Option('--cluster <file>', 'cluster file naming the nodes (default: maestro.cluster.yaml here, else the built-in nodes)');

/** `watch`, `list`, `report`, `nodes`, `exec`: following runs, looking back, and the cluster itself. */
export const registerOperatorCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('watch')
      .description('follow a run until it ends: a live view on a terminal, one line per event otherwise (exit 0 if it succeeded, 1 if not)')
      .argument('<id>', 'run id')
      .option('--interval <duration>', 'between progress queries', '500ms')
      .option('--json', 'one JSON object per event, and a last one with the final progress'),
  ).action((runId: string, flags: ConnectionFlags & JsonFlag & { interval: string }) =>
    ctx.execute(() => watchCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, json: flags.json, pollMs: durationMs('--interval', flags.interval) })),
  );

  withConnectionFlags(
    program
      .command('list')
      .description('runs from Temporal visibility, newest first')
      .option('--state <state>', 'only runs in this state (running, awaiting-approval, succeeded, rolled-back, …)')
      .option('--plan <name>', 'only runs of this plan')
      .option('--limit <n>', 'at most this many runs', '50')
      .option('--json', 'print the runs as JSON'),
  ).action((flags: ConnectionFlags & JsonFlag & { state?: string; plan?: string; limit: string }) =>
    ctx.execute(() =>
      listCommand({ output: ctx.output, connection: settingsFromFlags(flags), state: flags.state, plan: flags.plan, limit: positiveInt('--limit', flags.limit), json: flags.json }),
    ),
  );

  withConnectionFlags(
    program
      .command('report')
      .description("a run's completion report, or with --since the delivery figures (deployment frequency, lead time, change failure rate, time to restore)")
      .argument('[id]', 'run id')
      .option('--since <duration>', 'delivery figures over the runs started in this window, e.g. 30d')
      .option('--plan <name>', 'with --since: only runs of this plan')
      .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('md'))
      .option('--json', 'same as --format json'),
  ).action((runId: string | undefined, flags: ConnectionFlags & JsonFlag & { since?: string; plan?: string; format: ReportFormat }) =>
    ctx.execute(() =>
      reportCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, since: flags.since, plan: flags.plan, format: flags.json ? 'json' : flags.format }),
    ),
  );

  withConnectionFlags(
    program
      .command('nodes')
      .description("each node's worker status from its task queue's pollers (exit 1 if a node or the orchestrator is down)")
      .addOption(clusterOption())
      .option('--stale-after <duration>', 'a node whose workers have not polled for this long is down', DEFAULT_STALE_AFTER)
      .option('--json', 'print the status as JSON'),
  ).action((flags: ConnectionFlags & JsonFlag & { cluster?: string; staleAfter: string }) =>
    ctx.execute(() => nodesCommand({ output: ctx.output, connection: settingsFromFlags(flags), clusterFile: flags.cluster, staleAfter: flags.staleAfter, json: flags.json })),
  );

  withConnectionFlags(
    program
      .command('exec')
      .description('run one command on a node (or every node) through its task queue, as a one-step run; exit 0 if it succeeded everywhere')
      .usage('(--node NAME | --all) [options] -- CMD [ARGS...]')
      .argument('<command...>', 'the command, after --; a single word is run by /bin/sh -c')
      .option('--node <name>', 'the node to run on')
      .option('--all', 'run on every node in parallel and print a table')
      .addOption(clusterOption())
      .option('--cwd <dir>', 'working directory on the node', '/')
      .option('--timeout <duration>', 'per node', '10m')
      .option('--node-timeout <duration>', 'a node that does not pick the command up within this counts as down', '30s')
      .option('--as <name>', 'operator recorded as the starter (default: the OS user)')
      .option('--json', 'print the results as JSON'),
  ).action((command: string[], flags: ConnectionFlags & JsonFlag & { node?: string; all?: boolean; cluster?: string; cwd: string; timeout: string; nodeTimeout: string; as?: string }) =>
    ctx.execute(() =>
      execCommand({
        output: ctx.output,
        connection: settingsFromFlags(flags),
        command,
        node: flags.node,
        all: flags.all,
        clusterFile: flags.cluster,
        cwd: flags.cwd,
        timeout: flags.timeout,
        nodeTimeout: flags.nodeTimeout,
        as: flags.as,
        json: flags.json,
      }),
    ),
  );
};
