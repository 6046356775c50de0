/** The baseline: the plan's commands run one after another by a plain loop, no orchestration. */
import { spawn } from 'node:child_process';
import type { NormalizedPlan } from '../plan/types';

export interface BaselineResult {
  commands: number;
  totalMs: number;
  /** Commands actually run (the rest are extrapolated from their mean). */
  measured: number;
  /** Mean wall time of one command (spawn to exit). */
  meanMs: number;
}

function runOnce(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code ?? signal}`))));
  });
}

/** Every run step's argv in plan order (services in written order, steps in order). */
export function planCommands(plan: NormalizedPlan): Array<{ argv: string[]; cwd: string }> {
  return plan.services.flatMap((s) =>
    s.steps.flatMap((step) => (step.run && 'argv' in step.run ? [{ argv: step.run.argv, cwd: step.cwd }] : step.run ? [{ argv: ['/bin/sh', '-c', step.run.shell], cwd: step.cwd }] : [])),
  );
}

/** Spawns each command in turn and waits for it; `limit` runs only the first commands and scales the total. */
export async function sequentialBaseline(plan: NormalizedPlan, limit = Infinity): Promise<BaselineResult> {
  const all = planCommands(plan);
  const sample = all.slice(0, Math.min(all.length, limit));
  const started = process.hrtime.bigint();
  for (const { argv, cwd } of sample) await runOnce(argv[0]!, argv.slice(1), cwd);
  const sampleMs = Number(process.hrtime.bigint() - started) / 1e6;
  const meanMs = sample.length ? sampleMs / sample.length : 0;
  return { commands: all.length, measured: sample.length, totalMs: meanMs * all.length, meanMs };
}
