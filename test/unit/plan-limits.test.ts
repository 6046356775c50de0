import { randomBytes } from 'node:crypto';
import { checkPlanSize } from '../../client/load-plan';
import { LIMITS, runIdProblem } from '../../plan/limits';
import { deploymentWorkflowId, idempotencyKey, legacyUndoKey, serviceUndoWorkflowId, serviceWorkflowId } from '../../workflows/ids';
import { HEADER, errorsOf, onlyError, planOf } from './plan-fixtures';

// Plans that validated and then wedged their run (issue 16): each is refused by validate, located.
const stepPlan = (step: string) => `${HEADER}services:\n  a:\n    steps:\n      - ${step}\n`;

describe('limits: what validates cannot wedge a run', () => {
  test.each([
    ['maxAttempts 2147483648 (BadScheduleActivityAttributes)', stepPlan('{ name: s, run: "true", retry: { maxAttempts: 2147483648 } }'), 'services.a.steps[0].retry.maxAttempts', /at most 100/],
    ['a step timeout of 25d (over a Node timer: killed at once)', stepPlan('{ name: s, run: "true", timeout: 25d }'), 'services.a.steps[0].timeout', /too long: at most 576h/],
    ['a check timeout of 30d', stepPlan('{ name: s, check: { http: "http://127.0.0.1:1/", timeout: 30d } }'), 'services.a.steps[0].check.timeout', /too long/],
    ['a 2,000-character step name (activityId exceeds length limit)', stepPlan(`{ name: ${'n'.repeat(2000)}, run: "true" }`), 'services.a.steps[0].name', /at most 100/],
    ['a wait of 1000000000d', stepPlan('{ name: s, wait: 1000000000d }'), 'services.a.steps[0].wait', /too long: at most 8760h/],
  ])('%s', (_, text, path, message) => {
    const issue = onlyError(text);
    expect(issue.path).toBe(path);
    expect(issue.message).toMatch(message);
    expect(issue.line).toBeGreaterThan(0);
  });

  test('a gate timeout of 1000000000d (Invalid time value) is refused at the gate', () => {
    const issue = onlyError(`${HEADER}approvals: { gates: [{ beforeWave: 2, timeout: 1000000000d }] }\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n  b: { dependsOn: [a], steps: [{ name: s, wait: 1s }] }\n`);
    expect(issue).toMatchObject({ path: 'approvals.gates[0].timeout', line: 3 });
  });

  test('a 989-character service name (its undo child id too long) is refused at the service', () => {
    const name = 's'.repeat(989);
    const issue = onlyError(`${HEADER}services:\n  ${name}: { steps: [{ name: s, wait: 1s }] }\n`);
    expect(issue.path).toBe(`services.${name}`);
    expect(issue.message.length).toBeLessThan(100);
    expect(issue.hint).toMatch(/at most 100 characters/);
    // At the limits, the longest id Maestro builds stays far below Temporal's 1,000 characters.
    const longest = legacyUndoKey(serviceUndoWorkflowId('r'.repeat(LIMITS.runIdChars), 's'.repeat(LIMITS.nameChars)), 'x'.repeat(LIMITS.stepNameChars));
    expect(idempotencyKey({ runId: 'r'.repeat(LIMITS.runIdChars), service: 's'.repeat(LIMITS.nameChars), step: 'x'.repeat(LIMITS.stepNameChars), phase: 'undo' }).length).toBeLessThan(longest.length);
    expect(longest.length).toBeLessThan(500);
  });

  test.each([
    ['NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['a right-to-left override', 'deploy\u202Egnp.exe'],
    ['only spaces', '   '],
    ['a leading space', ' deploy'],
    ['"/" (a step x/undo would take the key of x\'s undo)', 'x/undo'],
    ['"@" (the activity id separator)', 'x@macpro51'],
  ])('a step name with %s is refused', (_, name) => {
    expect(onlyError(stepPlan(`{ name: ${JSON.stringify(name)}, run: "true" }`)).path).toBe('services.a.steps[0].name');
  });

  test('ordinary step names still pass', () => {
    const plan = planOf(`${HEADER}services:\n  a: { steps: [{ name: migrate schema, wait: 1s }, { name: "v2.1 (canary)", wait: 1s }, { name: naïve-ü, wait: 1s }] }\n`);
    expect(plan.services[0]?.steps.map((s) => s.name)).toEqual(['migrate schema', 'v2.1 (canary)', 'naïve-ü']);
  });

  test('run ids cannot collide with a child workflow id, and bad ones are refused with a reason', () => {
    // `--id victim/a` was the id of plan victim's service a.
    expect(serviceWorkflowId(deploymentWorkflowId('victim'), 'a')).toBe('victim/a');
    expect(runIdProblem('victim/a')).toMatch(/letters, digits/);
    expect(runIdProblem('')).toMatch(/empty/);
    expect(runIdProblem('x'.repeat(1500))).toMatch(/at most 200/);
    expect(runIdProblem('release-2024.06_01')).toBeUndefined();
    // Distinct steps of one service never share an idempotency key: no step name holds "/".
    expect(errorsOf(stepPlan('{ name: x/undo, run: "true" }')).length).toBe(1);
  });

  test('a plan over the encoded limit validates its shape but is refused before it starts', () => {
    const small = planOf(`${HEADER}services:\n  a: { steps: [{ name: s, run: [echo] }] }\n`);
    const [service] = small.services;
    // 3,000 services, each echoing 800 random bytes: ~3 MB of JSON that gzip cannot shrink below 2 MiB.
    const plan = { ...small, services: Array.from({ length: 3000 }, (_, i) => ({ ...service!, name: `s${i}`, steps: service!.steps.map((st) => ({ ...st, run: { argv: ['echo', randomBytes(800).toString('base64')] } })) })) } as typeof small;
    expect(() => checkPlanSize(plan, 'big.yaml')).toThrow(/big.yaml: the plan is \d+ bytes encoded \(gzipped JSON\), over the limit of 1572864/);
    expect(() => checkPlanSize(planOf(`${HEADER}services:\n  a: { steps: [{ name: s, wait: 1s }] }\n`), 'small.yaml')).not.toThrow();
  });
});
