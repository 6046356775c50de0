import { Option } from 'commander';
import { showGraph } from '../commands/graph';
import { showPlan } from '../commands/plan';
import { SIMULATE_FORMATS, simulateCommand, type SimulateFormat } from '../commands/simulate';
import { validate } from '../commands/validate';
import { settingsFromFlags, withConnectionFlags, type ConnectionFlags } from './connection-flags';
import { durationFlag } from './flags';
import { GRAPH_FORMATS, type GraphFormat } from '../../plan';
import type { CommandRegistrar } from './context';

interface PlanFlags {
  cluster?: string;
  json?: boolean;
}

const clusterOption = () => new Option('--cluster <file>', 'cluster file naming the nodes (default: maestro.cluster.yaml beside the plan or here)');

/** `validate`, `plan` and `graph`: commands that read a plan and start nothing. */
export const registerPlanCommands: CommandRegistrar = (program, ctx) => {
  program
    .command('validate')
    .description('check a plan; print every mistake with file:line:col, path and a hint (exit 2 if any)')
    .argument('<plan>', 'plan file (YAML)')
    .addOption(clusterOption())
    .option('--json', 'print the result as JSON')
    .action((file: string, flags: PlanFlags) =>
      ctx.execute(() => validate({ file, clusterFile: flags.cluster, json: flags.json ?? false, output: ctx.output })),
    );

  program
    .command('plan')
    .description('show the waves, the nodes of each service, the gates and the critical path')
    .argument('<plan>', 'plan file (YAML)')
    .addOption(clusterOption())
    .option('--json', 'print the plan summary and the normalized plan as JSON')
    .action((file: string, flags: PlanFlags) =>
      ctx.execute(() => showPlan({ file, clusterFile: flags.cluster, json: flags.json ?? false, output: ctx.output })),
    );

  program
    .command('graph')
    .description('draw the dependency graph, waves as clusters, gates marked')
    .argument('<plan>', 'plan file (YAML)')
    .addOption(new Option('--format <format>', 'diagram language').choices(GRAPH_FORMATS).default('mermaid'))
    .addOption(clusterOption())
    .option('--json', 'print the diagram and the graph as JSON')
    .action((file: string, flags: PlanFlags & { format: GraphFormat }) =>
      ctx.execute(() => showGraph({ file, format: flags.format, clusterFile: flags.cluster, json: flags.json ?? false, output: ctx.output })),
    );

  withConnectionFlags(
    program
      .command('simulate')
      .description('predict a run: the production workflows on the time-skipping test server, each step taking its expected duration')
      .argument('<plan>', 'plan file (YAML)')
      .option('--fail <SERVICE/STEP[@ATTEMPT]>', 'make a step fail (through attempt ATTEMPT only, when given); repeatable', (v: string, all: string[] = []) => [...all, v])
      .option('--approve-after <duration>', 'approve each gate this long after it opens (default: at once)')
      .addOption(new Option('--format <format>', 'timeline as a table or a Mermaid Gantt chart').choices(SIMULATE_FORMATS).default('table'))
      .option('--no-history', "use the plan's estimates only, not the durations of its past runs on the server")
      .addOption(clusterOption())
      .option('--json', 'print the prediction as JSON'),
  ).action((file: string, flags: PlanFlags & ConnectionFlags & { fail?: string[]; approveAfter?: string; format: SimulateFormat; history: boolean }) =>
    ctx.execute(() =>
      simulateCommand({
        output: ctx.output,
        file,
        clusterFile: flags.cluster,
        fail: flags.fail,
        approveAfterMs: flags.approveAfter === undefined ? undefined : durationFlag('--approve-after', flags.approveAfter),
        format: flags.format,
        json: flags.json ?? false,
        history: flags.history ? settingsFromFlags(flags) : undefined,
      }),
    ),
  );
};
