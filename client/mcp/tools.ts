import { z } from 'zod';
import type { RunProgress } from '../../workflows/progress';
import { approveHint } from '../../plan/messages';
import { memoryOutput, type Output } from '../output';

/** Runs `maestro <argv>` in this process (main.ts's runCli), resolving to the exit code. */
export type CliRunner = (argv: string[], output: Output) => Promise<number>;

/** What a tool answers: text for the agent, and whether it is an error. */
export interface ToolAnswer {
  text: string;
  isError: boolean;
}

/** A tool's result is cut to this many characters, so no answer (a history, a huge status) is unbounded. */
export const MAX_RESULT_CHARS = 20_000;
/** `list` returns at most this many runs. */
export const MAX_LIST = 50;

function bounded(text: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}\n… truncated at ${MAX_RESULT_CHARS} characters; ask for one run (status, report) or fewer runs (list limit).`;
}

// A value starting with "-" would read as a flag to the CLI underneath (an agent must not smuggle in --auto-approve).
const arg = (what: string) => z.string().min(1).max(1000).refine((s) => !s.startsWith('-'), `${what} must not start with "-"`).describe(what);

/** Whether a tool only reads (offered with --read-only) or starts or asks for something. */
type Access = 'read' | 'write';

export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  access: Access;
  description: string;
  input: S;
  call(args: z.infer<z.ZodObject<S>>, cli: (argv: string[]) => Promise<ToolAnswer>): Promise<ToolAnswer>;
}

const tool = <S extends z.ZodRawShape>(def: ToolDef<S>): ToolDef<S> => def;

/** A read-only tool over a plan file: `maestro NAME PLAN ...flags`. */
const onPlan = (name: string, description: string, flags: string[]) =>
  tool({ name, access: 'read', description, input: { plan: arg('path of the plan file') }, call: ({ plan }, cli) => cli([name, plan, ...flags]) });

/** A read-only tool over one run: `maestro NAME ID ...flags`. */
const onRun = (name: string, description: string, flags: string[]) => tool({ name, access: 'read', description, input: { id: arg('run id') }, call: ({ id }, cli) => cli([name, id, ...flags]) });

const NEVER_APPROVES =
  'This server never approves, rejects or decides anything: a gate waits for a person, who answers it with `maestro approve` themselves.';

export const TOOLS = [
  onPlan('validate', 'Validate a Maestro plan file (YAML): every mistake at once, each with file:line:col, path and hint.', ['--json']),
  onPlan('plan', 'Show what a plan would do: waves, the node of each service, gates, critical path. Starts nothing.', ['--json']),
  tool({
    name: 'graph',
    access: 'read',
    description: "A plan's dependency graph (waves as clusters, gates marked) as Mermaid or Graphviz dot.",
    input: { plan: arg('path of the plan file'), format: z.enum(['mermaid', 'dot']).optional().describe('default mermaid') },
    call: ({ plan, format }, cli) => cli(['graph', plan, '--format', format ?? 'mermaid']),
  }),
  tool({
    name: 'simulate',
    access: 'read',
    description: "Predict a run of a plan (the production workflows on a local time-skipping server, each step taking its expected duration): makespan, timeline, what a failing step would roll back. Touches no node.",
    input: { plan: arg('path of the plan file'), fail: z.array(arg('SERVICE/STEP[@ATTEMPT] to make fail')).max(20).optional() },
    call: ({ plan, fail }, cli) => cli(['simulate', plan, '--json', ...(fail ?? []).flatMap((f) => ['--fail', f])]),
  }),
  tool({
    name: 'run',
    access: 'write',
    description: `Start a run of a plan file and return its run id at once (follow it with status). Its gates stay closed until a person approves them. ${NEVER_APPROVES}`,
    input: { plan: arg('path of the plan file'), id: arg('run id (default: the plan name)').optional() },
    call: ({ plan, id }, cli) => cli(['run', plan, '--json', '--as', 'mcp-agent', ...(id ? ['--id', id] : [])]),
  }),
  onRun(
    'status',
    "A run's state, waves, services, steps, open gates and audit trail (JSON); `tuning`: the live changes in force (maestro tune, made by a person); `windowWait`: the wave held back by a deploy window or a freeze, and until when.",
    ['--json'],
  ),
  tool({
    name: 'list',
    access: 'read',
    description: `Runs, newest first, at most ${MAX_LIST}.`,
    input: {
      state: z.string().regex(/^[a-z-]+$/).optional().describe('only runs in this state, e.g. running, awaiting-approval, failed'),
      plan: arg('only runs of this plan name').optional(),
      limit: z.number().int().min(1).max(MAX_LIST).optional().describe(`default 20, at most ${MAX_LIST}`),
    },
    call: ({ state, plan, limit }, cli) => cli(['list', '--json', '--limit', String(limit ?? 20), ...(state ? ['--state', state] : []), ...(plan ? ['--plan', plan] : [])]),
  }),
  onRun('report', "A finished (or running) run's completion report as JSON: outcome, durations, what was undone, who approved.", ['--format', 'json']),
  tool({
    name: 'request-approval',
    access: 'write',
    description: `Ask a person to approve a run's open gate: returns the gate and the exact command the person must run. It does NOT approve. ${NEVER_APPROVES}`,
    input: { id: arg('run id'), why: z.string().max(2000).optional().describe('what the person should know before approving') },
    call: async ({ id, why }, cli) => {
      const status = await cli(['status', id, '--json']);
      if (status.isError) return status;
      const progress = JSON.parse(status.text) as RunProgress;
      const open = progress.gates.filter((g) => g.state === 'open');
      if (open.length === 0) return { isError: true, text: `run ${id} has no open gate (state ${progress.state}); nothing to approve` };
      const lines = open.map((g) => `- gate ${g.id}${g.deadline ? ` (times out ${g.deadline}, then ${g.onTimeout})` : ''}: a person runs \`${approveHint(id, g)}\``);
      return {
        isError: false,
        text: [`Run ${id} (${progress.plan}) waits for a person's approval:`, ...lines, ...(why ? [`Reason given: ${why}`] : []), 'Tell the operator; this tool cannot approve.'].join('\n'),
      };
    },
  }),
];

/** The commands that talk to Temporal and so take the connection flags; the plan commands read files only. */
const CONNECTED = new Set(['simulate', 'run', 'status', 'list', 'report']);

/** Runs the CLI for a tool, capturing its output; a non-zero exit is an error answer with the CLI's message. */
export function cliForTools(runCli: CliRunner, connectionArgs: string[]): (argv: string[]) => Promise<ToolAnswer> {
  return async (argv) => {
    const output = memoryOutput();
    const code = await runCli(CONNECTED.has(argv[0]!) ? [...argv, ...connectionArgs] : argv, output);
    const text = code === 0 ? output.stdout.join('\n') : [...output.stderr, ...output.stdout].join('\n') || `exit ${code}`;
    return { isError: code !== 0, text: bounded(text) };
  };
}
