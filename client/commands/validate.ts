import { EXIT } from '../exit-codes';
import { PlanInvalidError, loadPlanFile } from '../load-plan';
import type { Output } from '../output';
import { computeWaves, formatIssue } from '../../plan';
import { printJson, withPlanErrors } from './plan-errors';

export interface ValidateOptions {
  /** Path of the plan file. */
  file: string;
  /** Cluster file. Default: `maestro.cluster.yaml` beside the plan or in the working directory, if present. */
  clusterFile?: string;
  /** Print ValidateJson / InvalidPlanJson instead of text. Default false. */
  json?: boolean;
  /** Where to print. */
  output: Output;
  /** Directory relative paths are read from. Default `process.cwd()`. */
  cwd?: string;
}

/** `--json` output of a valid plan. */
export interface ValidateJson {
  valid: true;
  file: string;
  /** The cluster file used, or null for none. */
  clusterFile: string | null;
  name: string;
  services: number;
  waves: number;
  nodes: string[];
}

/** Checks a plan and reports every mistake at once. Exit 0 valid, 2 invalid. */
export async function validate(options: ValidateOptions): Promise<number> {
  const { file, output, json = false } = options;
  return withPlanErrors(file, json, output, async () => {
    try {
      const { plan, clusterFile } = await loadPlanFile(file, { clusterFile: options.clusterFile, cwd: options.cwd });
      const waves = computeWaves(plan).length;
      if (json) {
        const result: ValidateJson = {
          valid: true,
          file,
          clusterFile: clusterFile ?? null,
          name: plan.name,
          services: plan.services.length,
          waves,
          nodes: plan.nodes.map((n) => n.name),
        };
        printJson(output, result);
      } else {
        const cluster = clusterFile ? `, nodes from ${clusterFile}` : '';
        output.out(`✓ ${file}: plan "${plan.name}" is valid — ${plan.services.length} services in ${waves} wave${waves === 1 ? '' : 's'}${cluster}`);
      }
      return EXIT.ok;
    } catch (err) {
      if (json || !(err instanceof PlanInvalidError)) throw err;
      for (const issue of err.issues) output.err(formatIssue(issue));
      const count = err.issues.length;
      output.err(`✗ ${count} problem${count === 1 ? '' : 's'}; nothing was started`);
      return EXIT.invalidInput;
    }
  });
}
