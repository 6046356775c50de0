/**
 * The baseline: the plan's commands run one after another by a plain `/bin/sh` script — no
 * orchestration, and forked by a small process (a shell), not by the benchmark's own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { NormalizedPlan } from '../plan/types';
import { findOnPath } from '../workers/temporal-binaries';

export interface BaselineResult {
  commands: number;
  totalMs: number;
  /** Commands actually run (the rest are extrapolated from their mean). */
  measured: number;
  /** Mean wall time of one command (spawn to exit). */
  meanMs: number;
}

/** Every run step's command in plan order (services in written order, steps in order). */
export function planCommands(plan: NormalizedPlan): Array<{ argv: string[]; cwd: string }> {
  return plan.services.flatMap((s) =>
    s.steps.flatMap((step) => {
      if (step.kind !== 'run') return [];
      return [{ argv: 'argv' in step.run ? step.run.argv : ['/bin/sh', '-c', step.run.shell], cwd: step.cwd }];
    }),
  );
}

/** The absolute path of an executable, so the shell runs the program (`true` is also a shell builtin). */
function resolveExecutable(file: string): string {
  return isAbsolute(file) ? file : (findOnPath(file) ?? file);
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The shell script: `cd` when the directory changes, then each command; the first failure stops it. */
export function shellScript(commands: ReadonlyArray<{ argv: string[]; cwd: string }>): string {
  const lines = ['set -e'];
  let cwd: string | undefined;
  for (const { argv, cwd: dir } of commands) {
    if (dir !== cwd) lines.push(`cd ${quote(dir)}`);
    cwd = dir;
    const [file, ...args] = argv;
    lines.push([resolveExecutable(file ?? ''), ...args].map(quote).join(' '));
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the commands by `/bin/sh`; with `limit`, only the first ones, and extrapolates the total. */
export async function sequentialBaseline(plan: NormalizedPlan, limit = Infinity): Promise<BaselineResult> {
  const all = planCommands(plan);
  const sample = all.slice(0, Math.min(all.length, limit));
  const dir = mkdtempSync(join(tmpdir(), 'maestro-bench-loop-'));
  try {
    const script = join(dir, 'loop.sh');
    writeFileSync(script, shellScript(sample));
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', [script], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`the shell loop exited with ${code ?? signal}`))));
    });
    const sampleMs = Number(process.hrtime.bigint() - started) / 1e6;
    const meanMs = sample.length ? sampleMs / sample.length : 0;
    return { commands: all.length, measured: sample.length, totalMs: meanMs * all.length, meanMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
