/** Located plan mistakes: what the parser reports instead of a plan. */

/** The kinds of mistakes, stable for tests and `--json` consumers. */
export const ISSUE_CODES = {
  yamlSyntax: 'yaml-syntax',
  duplicateKey: 'duplicate-key',
  unknownKey: 'unknown-key',
  missingKey: 'missing-key',
  invalidValue: 'invalid-value',
  invalidName: 'invalid-name',
  invalidDuration: 'invalid-duration',
  apiVersion: 'api-version',
  noServices: 'no-services',
  unknownDependency: 'unknown-dependency',
  selfDependency: 'self-dependency',
  dependencyCycle: 'dependency-cycle',
  unknownNode: 'unknown-node',
  unmatchedRequirements: 'unmatched-requirements',
  nodeAndRequires: 'node-and-requires',
  duplicateStep: 'duplicate-step',
  noSteps: 'no-steps',
  stepKind: 'step-kind',
  undoNotRun: 'undo-not-run',
  checkTarget: 'check-target',
  gateWave: 'gate-wave',
  duplicateGate: 'duplicate-gate',
  approvers: 'approvers',
  invalidWindow: 'invalid-window',
} as const;
export type IssueCode = (typeof ISSUE_CODES)[keyof typeof ISSUE_CODES];

export interface PlanIssue {
  /** The file as the operator named it (or `<inline>`). */
  file: string;
  /** 1-based line and column of the offending key or value. */
  line: number;
  col: number;
  /** Where in the plan, like `services.devmaestro.dependsOn[0]`; '' for the whole document. */
  path: string;
  message: string;
  /** What to do about it. */
  hint?: string;
  code: IssueCode;
}

/** A path into the parsed YAML: map keys and list indexes. */
export type PlanPath = readonly (string | number)[];

/** An issue before it is given a file position. */
export interface UnlocatedIssue {
  path: PlanPath;
  message: string;
  hint?: string;
  code: IssueCode;
  /** Point at the key itself rather than its value (unknown or duplicate keys). */
  onKey?: boolean;
}

export type PlanResult<T> = { ok: true; plan: T } | { ok: false; errors: PlanIssue[] };

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** `['services', 'a', 'dependsOn', 0]` → `services.a.dependsOn[0]`; odd keys are quoted. */
export function formatPath(path: PlanPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (PLAIN_KEY.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** `file:line:col  path: message (hint: ...)` — one line per issue. */
export function formatIssue(issue: PlanIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  const what = issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
  return `${where}  ${what}${issue.hint ? ` (hint: ${issue.hint})` : ''}`;
}

/** Document order, so the output reads top to bottom. */
export function sortIssues(issues: readonly PlanIssue[]): PlanIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}
