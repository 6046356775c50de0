import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlanText } from '../../plan/parse';
import type { NormalizedPlan } from '../../plan/types';

/** Parses a YAML plan written in a test; fails the test with every issue if it is invalid. */
export function planFrom(yaml: string, baseDir = process.cwd()): NormalizedPlan {
  const result = parsePlanText(yaml, { file: 'test-plan.yaml', baseDir });
  if (!result.ok) throw new Error(`test plan is invalid:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`);
  return result.plan;
}

export function tempDir(prefix = 'maestro-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Lines the test's real commands appended to `file`. */
export function logLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** A step command (argv) that appends `<service> <step> <phase> <node>` to the log, then runs `then`. */
export function logStep(log: string, then = 'true'): string[] {
  return ['/bin/sh', '-c', `echo "$MAESTRO_SERVICE $MAESTRO_STEP $MAESTRO_PHASE $MAESTRO_NODE" >> '${log}' && ${then}`];
}
