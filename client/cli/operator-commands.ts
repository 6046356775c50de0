import { Option } from 'commander';
import { formatDuration } from '../../plan/durations';
import { EXEC_DEFAULTS, execCommand } from '../commands/exec';
import { DEFAULT_LIST_LIMIT, listCommand } from '../commands/list';
import { DEFAULT_STALE_AFTER, nodesCommand } from '../commands/nodes';
import { REPORT_FORMATS, reportCommand, type ReportFormat } from '../commands/report';
import { DEFAULT_POLL_MS, watchCommand } from '../commands/watch';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import type { CommandRegistrar } from './context';
import { durationFlag, intFlag } from './flags';

interface JsonFlag {
  json?: boolean;
}

const clusterOption = () => new Option('--cluster <file>', 'cluster file naming the nodes (default: maestro.cluster.yaml here, else the built-in nodes)');

/** `watch`, `list`, `report`, `nodes`, `exec`: following runs, looking back, and the cluster itself. */
export const registerOperatorCommands: CommandRegistrar = (program, ctx) => {
  withConnectionFlags(
    program
      .command('watch')
      .description('follow a run until it ends: a live view on a terminal, one line per event otherwise (exit 0 if it succeeded, 1 if not)')
      .argument('<id>', 'run id')
      .option('--interval <duration>', 'between progress queries', formatDuration(DEFAULT_POLL_MS))
      .option('--json', 'one JSON object per event, and a last one with the final progress'),
  ).action((runId: string, flags: ConnectionFlags & JsonFlag & { interval: string }) =>
    ctx.execute(() => watchCommand({ output: ctx.output, connection: settingsFromFlags(flags), runId, json: flags.json, pollMs: durationFlag('--interval', flags.interval) })),
  );

  withConnectionFlags(
    program
      .command('list')
      .description('runs from Temporal visibility, newest first')
      .option('--state <state>', 'only runs in this state (running, awaiting-approval, succeeded, rolled-back, …)')
      .option('--plan <name>', 'only runs of this plan')
      .option('--limit <n>', 'at most this many runs', String(DEFAULT_LIST_LIMIT))
      .option('--json', 'print the runs as JSON'),
  ).action((flags: ConnectionFlags & JsonFlag & { state?: string; plan?: string; limit: string }) =>
    ctx.execute(() =>
      listCommand({ output: ctx.output, connection: settingsFromFlags(flags), state: flags.state, plan: flags.plan, limit: intFlag('--limit', flags.limit), json: flags.json }),
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
      reportCommand({
        output: ctx.output,
        connection: settingsFromFlags(flags),
        runId,
        sinceMs: flags.since === undefined ? undefined : durationFlag('--since', flags.since),
        plan: flags.plan,
        format: flags.json ? 'json' : flags.format,
      }),
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
    ctx.execute(() => nodesCommand({ output: ctx.output, connection: settingsFromFlags(flags), clusterFile: flags.cluster, staleAfterMs: durationFlag('--stale-after', flags.staleAfter), json: flags.json })),
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
      .option('--cwd <dir>', 'working directory on the node', EXEC_DEFAULTS.cwd)
      .option('--timeout <duration>', 'per node', EXEC_DEFAULTS.timeout)
      .option('--node-timeout <duration>', 'a node that does not pick the command up within this counts as down', EXEC_DEFAULTS.nodeTimeout)
      .option('--as <name>', 'operator recorded as the starter (default: the signing key\'s name)')
      .option('--key <path>', 'ed25519 key that signs the one-step plan (default: MAESTRO_KEY, else the local key)')
      .option('--trust <file>', 'trust file (default: MAESTRO_TRUST, else the local one)')
      .option('--json', 'print the results as JSON'),
  ).action((command: string[], flags: ConnectionFlags & JsonFlag & { node?: string; all?: boolean; cluster?: string; cwd: string; timeout: string; nodeTimeout: string; as?: string; key?: string; trust?: string }) =>
    ctx.execute(() =>
      execCommand({
        output: ctx.output,
        connection: settingsFromFlags(flags),
        command,
        node: flags.node,
        all: flags.all,
        clusterFile: flags.cluster,
        cwd: flags.cwd,
        timeoutMs: durationFlag('--timeout', flags.timeout),
        nodeTimeoutMs: durationFlag('--node-timeout', flags.nodeTimeout),
        as: flags.as,
        key: flags.key,
        trust: flags.trust,
        json: flags.json,
      }),
    ),
  );
};
