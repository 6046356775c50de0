import { tcpReachable } from '../../connection/diagnose';
import type { ConnectionSettings } from '../../connection/settings';
import { durationModel } from '../../plan/step-durations';
import type { NormalizedPlan } from '../../plan/types';
import type { InjectedFailure } from '../../workers/simulator/simulate';
import { connectClient } from '../connection';
import { InvalidInputError } from '../errors';
import { EXIT } from '../exit-codes';
import { loadPlanFile } from '../load-plan';
import type { Output } from '../output';
import { renderPredictionMermaid, renderPredictionTable } from '../render/simulation';
import { learnHistory, type History } from '../simulate/learn';
import { buildPrediction, type Prediction } from '../simulate/prediction';
import { printJson, withPlanErrors } from './plan-errors';

export const SIMULATE_FORMATS = ['table', 'mermaid'] as const;
export type SimulateFormat = (typeof SIMULATE_FORMATS)[number];

export interface SimulateOptions {
  output: Output;
  /** Plan file. */
  file: string;
  clusterFile?: string;
  /** `SERVICE/STEP[@ATTEMPT]`: the step fails (through attempt ATTEMPT only, when given). */
  fail?: string[];
  /** Gates are approved this long after they open. Default: at once. */
  approveAfterMs?: number;
  /** Default table. */
  format?: SimulateFormat;
  json?: boolean;
  /** Learn step durations from the plan's past runs on this server; absent: the plan's estimates only. */
  history?: ConnectionSettings;
  cwd?: string;
}

/**
 * `maestro simulate`: runs the plan's production workflows on the time-skipping test server with
 * stand-in steps and prints the predicted timeline. Exit 0 whatever the predicted outcome (it is
 * a prediction, not a run); 2 for an invalid plan or flag.
 */
export async function simulateCommand(options: SimulateOptions): Promise<number> {
  const { output, file, json = false } = options;
  return withPlanErrors(file, json, output, async () => {
    const { plan } = await loadPlanFile(file, { clusterFile: options.clusterFile, cwd: options.cwd });
    const injected = (options.fail ?? []).map((text) => parseInjectedFailure(plan, text));
    const { startSimulator } = await import('../../workers/simulator/simulate');
    const { createLogger } = await import('../../workers/logger');
    const { installRuntimeLogger } = await import('../../workers/runtime');
    installRuntimeLogger(createLogger({ level: process.env.LOG_LEVEL ?? 'error' }));
    // The simulator starts (server, workers, warm-up) while the past runs are read: neither needs the other.
    const starting = startSimulator(plan);
    const history = options.history ? await pastRuns(options.history, plan.name).catch(() => undefined) : undefined;
    const simulator = await starting;
    const model = durationModel(plan, history?.samples);
    const learned = [...model.values()].some((d) => d.p90Ms !== d.p50Ms);
    const runs = await simulator
      .run({ model, percentiles: learned ? ['p50', 'p90'] : ['p50'], failures: injected, approveAfterMs: options.approveAfterMs, overheads: history?.overheads })
      .finally(() => simulator.close());
    const prediction: Prediction = buildPrediction(plan, model, runs, injected);
    if (json) printJson(output, prediction);
    else output.out(options.format === 'mermaid' ? renderPredictionMermaid(prediction) : renderPredictionTable(prediction));
    return EXIT.ok;
  });
}

/** Past durations when the server answers; none (the plan's estimates) when it does not. */
async function pastRuns(settings: ConnectionSettings, plan: string): Promise<History | undefined> {
  // A refused connection is known at once; the client would retry it until its connect timeout.
  if (!(await tcpReachable(settings.address))) return undefined;
  const client = await connectClient(settings).catch(() => undefined);
  if (!client) return undefined;
  try {
    return await learnHistory(client, plan);
  } finally {
    await client.connection.close();
  }
}

/** `SERVICE/STEP[@ATTEMPT]`, checked against the plan. */
export function parseInjectedFailure(plan: NormalizedPlan, text: string): InjectedFailure {
  const match = /^([^/@]+)\/([^@]+)(?:@(\d+))?$/.exec(text.trim());
  if (!match) throw new InvalidInputError(`--fail: expected SERVICE/STEP or SERVICE/STEP@ATTEMPT, got "${text}"`);
  const [, service, step, attempt] = match as unknown as [string, string, string, string | undefined];
  const spec = plan.services.find((s) => s.name === service);
  if (!spec) throw new InvalidInputError(`--fail ${text}: the plan has no service "${service}"`, `Services: ${plan.services.map((s) => s.name).join(', ')}`);
  const stepSpec = spec.steps.find((s) => s.name === step);
  if (!stepSpec) throw new InvalidInputError(`--fail ${text}: service "${service}" has no step "${step}"`, `Steps: ${spec.steps.map((s) => s.name).join(', ')}`);
  if (stepSpec.kind === 'wait') throw new InvalidInputError(`--fail ${text}: "${step}" is a wait, which cannot fail`);
  const throughAttempt = attempt === undefined ? undefined : Number(attempt);
  if (throughAttempt !== undefined && throughAttempt < 1) throw new InvalidInputError(`--fail ${text}: the attempt counts from 1`);
  return { service, step, ...(throughAttempt !== undefined ? { throughAttempt } : {}) };
}
