/**
 * The simulate row: `maestro simulate` of the 100-service plan the bench has just run for real,
 * timed as an operator sees it (a fresh CLI process, start to exit). Its durations are learned
 * from the bench's own runs of that plan (so p50 and p90: two simulated runs), and its baseline
 * is the real run of the same plan in the same bench run: what the production workflows took to
 * orchestrate it on the dev server, which a simulation of the same workflows cannot undercut by much.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Prediction } from '../client/simulate/prediction';
import { cachedWorkflowBundle } from '../workers/simulator/bundle-cache';
import type { ScenarioResult } from './run-scenario';
import { syntheticPlanObject } from './synthetic-plan';

export interface SimulateCost {
  /** The row whose plan was simulated, and its real makespan in this bench run. */
  scenario: string;
  realMs: number;
  /** Wall time of `maestro simulate … --json --address <bench server>`, process start to exit. */
  wallMs: number;
  /** Steps whose durations were learned from past runs (all of them, when the bench's run is listed). */
  learned: number;
  predictedP50Ms: number;
}

/** The CLI timed: this checkout's, or another build's `bin/maestro.js` (to compare two versions in one run). */
const CLI = process.env.MAESTRO_BENCH_CLI ?? join(__dirname, '..', '..', 'bin', 'maestro.js');

export async function measureSimulate(result: ScenarioResult, address: string, workdir: string): Promise<SimulateCost> {
  const file = join(workdir, `simulate-${result.scenario.id}.json`);
  writeFileSync(file, JSON.stringify(syntheticPlanObject(result.scenario)));
  // The bundle is cached once per version of the code (docs/operations.md); the row times a later simulation.
  await cachedWorkflowBundle();
  const started = Date.now();
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [CLI, 'simulate', file, '--json', '--address', address], { env: process.env, maxBuffer: 64 * 2 ** 20 }, (err, out, errOut) =>
      err ? reject(new Error(`maestro simulate failed: ${errOut || err.message}`)) : resolve(out),
    ),
  );
  const wallMs = Date.now() - started;
  const prediction = JSON.parse(stdout) as Prediction;
  return {
    scenario: result.scenario.id,
    realMs: result.makespanMs,
    wallMs,
    learned: prediction.durations.learned,
    predictedP50Ms: prediction.makespan.p50,
  };
}

export function formatSimulateCost(c: SimulateCost): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return (
    `| plan simulated | learned steps | predicted p50 | maestro simulate (wall) | real run (this bench) | ÷ real run |\n|---|---|---|---|---|---|\n` +
    `| ${c.scenario} | ${c.learned} | ${s(c.predictedP50Ms)} | ${s(c.wallMs)} | ${s(c.realMs)} | ${(c.wallMs / c.realMs).toFixed(2)} |`
  );
}
