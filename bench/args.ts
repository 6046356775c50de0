/** Command-line flags of `npm run bench`. */
import { parseArgs } from 'node:util';
import { MAX_SERVICES_IN_FLIGHT } from '../plan/defaults';
import { STRATEGY_MODES, type StrategyMode } from '../plan/types';
import type { Scenario } from './run-scenario';
import { scenarios } from './scenarios';
import { STEP_BODIES, type StepBody } from './synthetic-plan';

export interface BenchArgs {
  quick: boolean;
  /** Run only these scenario ids (comma-separated `--only`). */
  only?: string[];
  /** One plan shaped by flags instead of the built-in list. */
  custom?: Scenario;
  /** Per-scenario time limit. */
  timeoutMs: number;
  /** Extra `temporal server start-dev` arguments (repeatable `--server-arg`). */
  serverArgs: string[];
  /** Sign the plan and have every node verify each step, as `maestro run` does (default); `--unsigned` prices that. */
  signed: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only ID,ID] [--timeout SECONDS] [--server-arg=ARG]... [--unsigned]
       npm run bench -- --services N --steps K [--depth D] [--body noop|sleep] [--mode dag|waves] [--max-parallel M]
--unsigned: start runs unsigned and run the nodes --insecure-unsigned, to price signing against a signed run.
Worker tuning comes from MAESTRO_NODE_SLOTS, MAESTRO_WORKFLOW_SLOTS, MAESTRO_WORKFLOW_CACHE, MAESTRO_COMMAND_LAUNCHER.
Exit 0 when every run completed (targets met or not), 1 when a run failed or errored, 2 on bad flags.`;

export class UsageError extends Error {}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      timeout: { type: 'string' },
      'server-arg': { type: 'string', multiple: true },
      unsigned: { type: 'boolean', default: false },
      services: { type: 'string' },
      steps: { type: 'string' },
      depth: { type: 'string' },
      body: { type: 'string' },
      mode: { type: 'string' },
      'max-parallel': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const int = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${value}`);
    return n;
  };
  const quick = values.quick ?? false;
  let custom: Scenario | undefined;
  const shapeFlags = (['depth', 'body', 'mode', 'max-parallel'] as const).filter((f) => values[f] !== undefined);
  if (values.services === undefined && values.steps === undefined && shapeFlags.length) {
    throw new UsageError(`--${shapeFlags[0]} shapes a custom plan: give --services or --steps too`);
  }
  if (values.services !== undefined || values.steps !== undefined) {
    const body = (values.body ?? 'noop') as StepBody;
    if (!(body in STEP_BODIES)) throw new UsageError(`--body must be one of ${Object.keys(STEP_BODIES).join(', ')}`);
    const mode = (values.mode ?? 'dag') as StrategyMode;
    if (!STRATEGY_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${STRATEGY_MODES.join(', ')}`);
    const services = int('services', values.services, 100);
    const steps = int('steps', values.steps, 3);
    custom = {
      id: `custom-${body}-${services}x${steps}-${mode}`,
      purpose: 'a plan shaped by flags',
      services,
      steps,
      depth: int('depth', values.depth, 5),
      body,
      mode,
      // A plan may not ask for more than the cap (plan/defaults.ts), so neither may the bench.
      maxParallel: Math.min(int('max-parallel', values['max-parallel'], MAX_SERVICES_IN_FLIGHT), MAX_SERVICES_IN_FLIGHT),
    };
  }
  const only = values.only?.split(',').filter(Boolean);
  const known = scenarios(quick).map((s) => s.id);
  const unknown = (only ?? []).filter((id) => !known.includes(id));
  if (unknown.length) throw new UsageError(`--only: no ${quick ? 'quick-run ' : ''}scenario ${unknown.join(', ')} (there are ${known.join(', ')})`);
  return {
    quick,
    only,
    custom,
    timeoutMs: int('timeout', values.timeout, quick ? 120 : 900) * 1000,
    serverArgs: values['server-arg'] ?? [],
    signed: !values.unsigned,
    help: values.help ?? false,
  };
}
