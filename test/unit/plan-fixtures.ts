/** Helpers shared by the plan tests (not a test file itself). */
import { parsePlanText, type ClusterSpec, type NormalizedPlan, type PlanIssue } from '../../plan';

export function parse(text: string, cluster?: ClusterSpec) {
  return parsePlanText(text, { file: 'plan.yaml', baseDir: '/srv/plans', ...(cluster ? { cluster } : {}) });
}

export function errorsOf(text: string, cluster?: ClusterSpec): PlanIssue[] {
  const result = parse(text, cluster);
  if (result.ok) throw new Error('expected the plan to be invalid');
  return result.errors;
}

export function planOf(text: string, cluster?: ClusterSpec): NormalizedPlan {
  const result = parse(text, cluster);
  if (!result.ok) throw new Error(`expected a valid plan:\n${result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`).join('\n')}`);
  return result.plan;
}

/** The only issue of a plan, failing with the list when there are more. */
export function onlyError(text: string, cluster?: ClusterSpec): PlanIssue {
  const errors = errorsOf(text, cluster);
  if (errors.length !== 1) throw new Error(`expected one issue, got ${errors.length}:\n${JSON.stringify(errors, null, 2)}`);
  return errors[0] as PlanIssue;
}

/** A valid plan header; tests append `services:`. Two lines long, so `services:` is line 3. */
export const HEADER = 'apiVersion: maestro/v1\nname: test\n';
