/** Rules about services and their steps that a schema cannot express. */
import { findCycles, type GraphService } from './graph';
import { ISSUE_CODES, type UnlocatedIssue } from './issues';
import { asList, asMap, asStrings, type RawMap } from './raw';
import { suggestion } from './suggest';

const STEP_KINDS = ['run', 'check', 'wait'] as const;

/** The dependency graph as far as it can be read from raw data. */
export function rawGraph(services: RawMap): GraphService[] {
  return Object.entries(services).map(([name, spec]) => ({ name, dependsOn: asStrings(asMap(spec)?.dependsOn) }));
}

export function checkServices(services: RawMap): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const names = Object.keys(services);
  if (names.length === 0) {
    issues.push({ path: ['services'], message: 'the plan has no services', hint: 'add at least one service with steps', code: ISSUE_CODES.noServices });
  }
  for (const [name, spec] of Object.entries(services)) {
    const service = asMap(spec);
    if (!service) continue;
    issues.push(...checkDependencies(name, service, names), ...checkSteps(name, service), ...checkAnalysis(name, service));
  }
  issues.push(...checkCycles(services));
  return issues;
}

function checkDependencies(name: string, service: RawMap, names: string[]): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  for (const [i, dep] of (asList(service.dependsOn) ?? []).entries()) {
    if (typeof dep !== 'string') continue;
    const path = ['services', name, 'dependsOn', i];
    if (dep === name) {
      issues.push({ path, message: `service "${name}" depends on itself`, hint: 'remove it from its own dependsOn', code: ISSUE_CODES.selfDependency });
    } else if (!names.includes(dep)) {
      const others = names.filter((n) => n !== name);
      issues.push({ path, message: `unknown service "${dep}"`, hint: suggestion(dep, others, 'service'), code: ISSUE_CODES.unknownDependency });
    }
  }
  return issues;
}

function checkCycles(services: RawMap): UnlocatedIssue[] {
  return findCycles(rawGraph(services)).map((cycle) => {
    const [first, second] = cycle as [string, string];
    const deps = asList(asMap(services[first])?.dependsOn) ?? [];
    return {
      path: ['services', first, 'dependsOn', Math.max(0, deps.indexOf(second))],
      message: `dependency cycle: ${[...cycle, first].join(' → ')}`,
      hint: 'each service depends on the next; remove one of these dependencies',
      code: ISSUE_CODES.dependencyCycle,
    };
  });
}

function checkSteps(name: string, service: RawMap): UnlocatedIssue[] {
  const steps = service.steps;
  if (steps === undefined || steps === null || (Array.isArray(steps) && steps.length === 0)) {
    return [{ path: ['services', name, 'steps'], message: `service "${name}" has no steps`, hint: 'add at least one step with run, check or wait', code: ISSUE_CODES.noSteps }];
  }
  const issues: UnlocatedIssue[] = [];
  const seen = new Map<string, number>();
  for (const [i, value] of (asList(steps) ?? []).entries()) {
    const step = asMap(value);
    if (!step) continue;
    const path = ['services', name, 'steps', i];
    if (typeof step.name === 'string') {
      const first = seen.get(step.name);
      if (first === undefined) seen.set(step.name, i);
      else {
        issues.push({
          path: [...path, 'name'],
          message: `duplicate step name "${step.name}" (also step ${first + 1})`,
          hint: 'give each step of a service its own name: names key progress and undo',
          code: ISSUE_CODES.duplicateStep,
        });
      }
    }
    issues.push(...checkStepShape(step, path));
  }
  return issues;
}

function checkStepShape(step: RawMap, path: (string | number)[]): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const kinds = STEP_KINDS.filter((k) => step[k] !== undefined);
  if (kinds.length === 0) {
    issues.push({ path, message: 'the step has none of run, check, wait', hint: 'give it exactly one of run, check or wait', code: ISSUE_CODES.stepKind });
  } else if (kinds.length > 1) {
    issues.push({
      path: [...path, kinds[1] as string],
      message: `the step has both ${kinds.join(' and ')}`,
      hint: 'a step does one thing: split it into one step per kind',
      code: ISSUE_CODES.stepKind,
    });
  }
  if (step.undo !== undefined && step.run === undefined) {
    issues.push({
      path: [...path, 'undo'],
      message: kinds[0] === undefined ? 'undo on a step without run' : `undo on a ${kinds[0]} step`,
      hint: 'only run steps can be undone; a check or wait changes nothing, so remove the undo',
      code: ISSUE_CODES.undoNotRun,
    });
  }
  const check = asMap(step.check);
  if (check) issues.push(...checkTargetIssues(check, [...path, 'check']));
  return issues;
}

/** Exactly one target, and a prometheus check with exactly one condition: steps' checks and background checks alike. */
function checkTargetIssues(check: RawMap, path: (string | number)[]): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const targets = (['http', 'tcp', 'prometheus'] as const).filter((k) => check[k] !== undefined);
  if (targets.length !== 1) {
    issues.push({
      path,
      message: targets.length > 1 ? `the check has both ${targets.join(' and ')}` : 'the check has neither http, tcp nor prometheus',
      hint: 'give exactly one: http: "http://host:port/health", tcp: "host:port" or prometheus: { url, query, successCondition | failureCondition }',
      code: ISSUE_CODES.checkTarget,
    });
  }
  const prom = asMap(check.prometheus);
  if (prom && (prom.successCondition === undefined) === (prom.failureCondition === undefined)) {
    issues.push({
      path: [...path, 'prometheus'],
      message: 'a prometheus check needs exactly one of successCondition, failureCondition',
      hint: 'e.g. failureCondition: "> 0.05" (bad when any value is above 5 %), or successCondition: "< 0.05"',
      code: ISSUE_CODES.checkTarget,
    });
  }
  return issues;
}

/** `services.<name>.analysis`: unique names, one target each, and an end for `inconclusive: wait`. */
function checkAnalysis(name: string, service: RawMap): UnlocatedIssue[] {
  const issues: UnlocatedIssue[] = [];
  const seen = new Map<string, number>();
  for (const [i, value] of (asList(service.analysis) ?? []).entries()) {
    const analysis = asMap(value);
    if (!analysis) continue;
    const path = ['services', name, 'analysis', i];
    if (typeof analysis.name === 'string') {
      const first = seen.get(analysis.name);
      if (first === undefined) seen.set(analysis.name, i);
      else issues.push({ path: [...path, 'name'], message: `duplicate background check name "${analysis.name}" (also entry ${first + 1})`, hint: 'give each background check of a service its own name: names key its progress', code: ISSUE_CODES.duplicateStep });
    }
    issues.push(...checkTargetIssues(analysis, path));
    if (asMap(analysis.prometheus)?.inconclusive === 'wait' && analysis.for === undefined) {
      issues.push({
        path: [...path, 'prometheus', 'inconclusive'],
        message: 'inconclusive: wait needs a window (for:) in a background check',
        hint: 'add for: 10m (still inconclusive at its end fails the check), or use inconclusive: pause or fail; without a window nothing would ever decide',
        code: ISSUE_CODES.checkTarget,
      });
    }
  }
  return issues;
}
