/** How the plan commands report an invalid plan: the same JSON shape for all of them. */
import { EXIT } from '../exit-codes';
import { PlanInvalidError } from '../load-plan';
import type { Output } from '../output';
import type { PlanIssue } from '../../plan';

/** `--json` output of validate / plan / graph when the plan is invalid (exit code 2). */
export interface InvalidPlanJson {
  valid: false;
  file: string;
  errors: PlanIssue[];
}

/**
 * Runs `fn`; with --json, an invalid plan is printed as InvalidPlanJson and exits 2. Without
 * --json the error propagates and the CLI prints its message (every issue, one per line).
 */
export async function withPlanErrors(file: string, json: boolean, output: Output, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (!json || !(err instanceof PlanInvalidError)) throw err;
    printJson(output, { valid: false, file, errors: err.issues } satisfies InvalidPlanJson);
    return EXIT.invalidInput;
  }
}

export function printJson(output: Output, value: unknown): void {
  output.out(`${JSON.stringify(value, null, 2)}\n`);
}
