import { formatIssue, ISSUE_CODES, parseClusterText } from '../../plan';
import { HEADER, errorsOf, onlyError } from './plan-fixtures';

// HEADER is two lines, so `services:` below is line 3 and the first service line 4.

describe('plan errors name the place and the fix', () => {
  test('unknown key: a typo gets "did you mean"', () => {
    const issue = onlyError(`${HEADER}services:
  mcp-forge: { steps: [{ name: a, wait: 1s }] }
  devmaestro:
    dependOn: [mcp-forge]
    steps: [{ name: a, wait: 1s }]
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.unknownKey, line: 6, col: 5, path: 'services.devmaestro.dependOn' });
    expect(issue.message).toBe('unknown key "dependOn"');
    expect(issue.hint).toBe('did you mean "dependsOn"?');
  });

  test('unknown key at the top and in a step', () => {
    const errors = errorsOf(`${HEADER}strategy: { maxParalel: 2 }
services:
  a: { steps: [{ name: s, wait: 1s, timout: 5s }] }
`);
    expect(errors.map((e) => [e.path, e.hint])).toEqual([
      ['strategy.maxParalel', 'did you mean "maxParallel"?'],
      ['services.a.steps[0].timout', 'did you mean "timeout"?'],
    ]);
  });

  test('unknown dependency suggests the closest service', () => {
    const issue = onlyError(`${HEADER}services:
  mcp-forge: { steps: [{ name: a, wait: 1s }] }
  devmaestro: { dependsOn: [forge], steps: [{ name: a, wait: 1s }] }
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.unknownDependency, line: 5, path: 'services.devmaestro.dependsOn[0]' });
    expect(issue.message).toBe('unknown service "forge"');
    expect(issue.hint).toBe('did you mean "mcp-forge"?');
  });

  test('unknown dependency with nothing close lists the services', () => {
    const issue = onlyError(`${HEADER}services:
  api: { steps: [{ name: a, wait: 1s }] }
  web: { dependsOn: [zzzzzz], steps: [{ name: a, wait: 1s }] }
`);
    expect(issue.hint).toBe('known services: api');
  });

  test('a dependency cycle prints the cycle and only the services in it', () => {
    const issue = onlyError(`${HEADER}services:
  root: { steps: [{ name: a, wait: 1s }] }
  a: { dependsOn: [root, b], steps: [{ name: a, wait: 1s }] }
  b: { dependsOn: [c], steps: [{ name: a, wait: 1s }] }
  c: { dependsOn: [a], steps: [{ name: a, wait: 1s }] }
  leaf: { dependsOn: [c], steps: [{ name: a, wait: 1s }] }
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.dependencyCycle, line: 5, path: 'services.a.dependsOn[1]' });
    expect(issue.message).toBe('dependency cycle: a → b → c → a');
    expect(issue.message).not.toMatch(/root|leaf/);
    expect(issue.hint).toMatch(/remove one of these dependencies/);
  });

  test('two separate cycles are two issues', () => {
    const errors = errorsOf(`${HEADER}services:
  a: { dependsOn: [b], steps: [{ name: a, wait: 1s }] }
  b: { dependsOn: [a], steps: [{ name: a, wait: 1s }] }
  c: { dependsOn: [d], steps: [{ name: a, wait: 1s }] }
  d: { dependsOn: [c], steps: [{ name: a, wait: 1s }] }
`);
    expect(errors.map((e) => e.message)).toEqual(['dependency cycle: a → b → a', 'dependency cycle: c → d → c']);
  });

  test('self-dependency', () => {
    const issue = onlyError(`${HEADER}services:
  api:
    dependsOn: [api]
    steps: [{ name: a, wait: 1s }]
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.selfDependency, line: 5, col: 17, path: 'services.api.dependsOn[0]' });
    expect(issue.hint).toMatch(/remove it/);
  });

  test('unknown pinned node suggests the closest node', () => {
    const issue = onlyError(`${HEADER}services:
  api:
    node: macpro5
    steps: [{ name: a, wait: 1s }]
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.unknownNode, line: 5, col: 11, path: 'services.api.node', message: 'unknown node "macpro5"' });
    expect(issue.hint).toBe('did you mean "macpro51"?');
  });

  test('requires that no node matches lists the nodes', () => {
    const issue = onlyError(`${HEADER}services:
  api:
    requires: { os: linux, roles: [gpu] }
    steps: [{ name: a, wait: 1s }]
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.unmatchedRequirements, line: 5, path: 'services.api.requires' });
    expect(issue.message).toBe('no node matches os linux, roles [gpu]');
    expect(issue.hint).toContain('macpro51 (linux/x64: docker, build, test)');
  });

  test('node and requires together', () => {
    const issue = onlyError(`${HEADER}services:
  api:
    node: macpro51
    requires: { os: linux }
    steps: [{ name: a, wait: 1s }]
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.nodeAndRequires, line: 6, path: 'services.api.requires' });
    expect(issue.hint).toMatch(/keep one/);
  });

  test('duplicate step names', () => {
    const issue = onlyError(`${HEADER}services:
  api:
    steps:
      - { name: migrate, run: [true] }
      - { name: migrate, wait: 1s }
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.duplicateStep, line: 7, path: 'services.api.steps[1].name' });
    expect(issue.message).toBe('duplicate step name "migrate" (also step 1)');
    expect(issue.hint).toMatch(/its own name/);
  });

  test.each([
    ['missing', '  api: { dependsOn: [] }\n'],
    ['empty', '  api: { steps: [] }\n'],
    ['null', '  api:\n    steps:\n'],
  ])('a service without steps (%s)', (_kind, service) => {
    const issue = onlyError(`${HEADER}services:\n${service}`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.noSteps, path: 'services.api.steps', message: 'service "api" has no steps' });
    expect(issue.line).toBeGreaterThanOrEqual(4);
    expect(issue.hint).toMatch(/add at least one step/);
  });

  test('a step must be exactly one of run, check, wait', () => {
    const errors = errorsOf(`${HEADER}services:
  api:
    steps:
      - { name: nothing }
      - { name: both, run: "true", wait: 1s }
`);
    expect(errors.map((e) => [e.code, e.line, e.path, e.message])).toEqual([
      [ISSUE_CODES.stepKind, 6, 'services.api.steps[0]', 'the step has none of run, check, wait'],
      [ISSUE_CODES.stepKind, 7, 'services.api.steps[1].wait', 'the step has both run and wait'],
    ]);
    expect(errors.every((e) => e.hint !== undefined)).toBe(true);
  });

  test('undo on a step that is not run', () => {
    const issue = onlyError(`${HEADER}services:
  api:
    steps:
      - name: health
        check: { tcp: "localhost:5432" }
        undo: [echo, no]
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.undoNotRun, line: 8, col: 15, path: 'services.api.steps[0].undo', message: 'undo on a check step' });
    expect(issue.hint).toMatch(/only run steps can be undone/);
  });

  test('a gate before a wave that does not exist', () => {
    const issue = onlyError(`${HEADER}approvals:
  gates:
    - beforeWave: 3
services:
  a: { steps: [{ name: s, wait: 1s }] }
  b: { dependsOn: [a], steps: [{ name: s, wait: 1s }] }
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.gateWave, line: 5, col: 19, path: 'approvals.gates[0].beforeWave' });
    expect(issue.message).toBe('wave 3 does not exist: the plan has 2 waves');
    expect(issue.hint).toMatch(/from 1 to 2/);
  });

  test('two gates on one wave, and more approvals than approvers', () => {
    const errors = errorsOf(`${HEADER}approvals:
  approvers: [ops-lead]
  gates:
    - { beforeWave: 1 }
    - { beforeWave: 1, minApprovals: 2 }
services:
  a: { steps: [{ name: s, wait: 1s }] }
`);
    expect(errors.map((e) => e.code)).toEqual([ISSUE_CODES.duplicateGate, ISSUE_CODES.approvers]);
  });

  test.each([
    ['apiVersion: maestro/v2\nname: x\n', 'unsupported apiVersion "maestro/v2"', 1, 13],
    ['name: x\n', 'missing apiVersion', 1, 1],
  ])('wrong apiVersion: %j', (head, message, line, col) => {
    const issue = onlyError(`${head}services:\n  a: { steps: [{ name: s, wait: 1s }] }\n`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.apiVersion, path: 'apiVersion', message, line, col, hint: 'write apiVersion: maestro/v1' });
  });

  test.each([
    ['{ http: "http://localhost/health", tcp: "localhost:80" }', 'the check has both http and tcp'],
    ['{ status: 200 }', 'the check has neither http, tcp nor prometheus'],
  ])('a check needs exactly one of http and tcp: %s', (check, message) => {
    const issue = onlyError(`${HEADER}services:\n  a:\n    steps:\n      - name: health\n        check: ${check}\n`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.checkTarget, line: 7, path: 'services.a.steps[0].check', message });
    expect(issue.hint).toMatch(/http: .*, tcp: .* or prometheus:/);
  });

  test.each([
    ['5 minutes', 'malformed duration "5 minutes"', /500ms, 2s, 5m, 24h, 1h30m/],
    ['30m1h', 'malformed duration "30m1h"', /largest first/],
    ['0s', 'malformed duration "0s"', /positive/],
    ['30', 'malformed duration 30', /"30s"/],
  ])('malformed duration %j', (value, message, hint) => {
    const issue = onlyError(`${HEADER}services:\n  a:\n    steps:\n      - { name: s, run: "true", timeout: ${value} }\n`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.invalidDuration, line: 6, path: 'services.a.steps[0].timeout', message });
    expect(issue.hint).toMatch(hint);
  });

  test('duplicate YAML keys', () => {
    const issue = onlyError(`${HEADER}services:
  a: { steps: [{ name: s, wait: 1s }] }
  b: { steps: [{ name: s, wait: 1s }] }
  a: { steps: [{ name: t, wait: 1s }] }
`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.duplicateKey, line: 6, col: 3, path: 'services.a', message: 'duplicate key "a"' });
    expect(issue.hint).toMatch(/once/);
  });

  test('a value not among the allowed ones suggests the closest', () => {
    const issue = onlyError(`${HEADER}strategy: { onFailure: rolback }\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n`);
    expect(issue).toMatchObject({ path: 'strategy.onFailure', line: 3, message: '"rolback" is not one of: rollback, pause, continue', hint: 'did you mean "rollback"?' });
  });

  test('a string where a list belongs', () => {
    const issue = onlyError(`${HEADER}services:\n  a: { steps: [{ name: s, wait: 1s }] }\n  b: { dependsOn: a, steps: [{ name: s, wait: 1s }] }\n`);
    expect(issue).toMatchObject({ path: 'services.b.dependsOn', message: 'expected an array, got "a"', hint: 'write a list: [a]' });
  });

  test('invalid service names', () => {
    const issue = onlyError(`${HEADER}services:\n  "my service": { steps: [{ name: s, wait: 1s }] }\n`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.invalidName, line: 4, col: 3, path: 'services["my service"]' });
  });

  test('YAML syntax errors stop with their position', () => {
    const errors = errorsOf(`${HEADER}services:\n  a: { steps: [ }\n`);
    expect(errors[0]).toMatchObject({ code: ISSUE_CODES.yamlSyntax, line: 4 });
  });

  test('an alias without its anchor', () => {
    const issue = onlyError(`${HEADER}services:\n  a: { steps: [{ name: s, run: *nope }] }\n`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.yamlSyntax, line: 4, col: 32, path: 'services.a.steps[0].run', message: 'unknown anchor *nope' });
  });

  test('exponential alias expansion is refused, not attempted', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const issue = onlyError(`${HEADER}x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\nservices: {}\n`);
    expect(issue).toMatchObject({ code: ISSUE_CODES.yamlSyntax, message: expect.stringMatching(/alias/i) });
  });

  test('an empty file', () => {
    expect(onlyError('')).toMatchObject({ line: 1, col: 1, message: 'the plan is empty' });
  });

  test('a plan with five different mistakes reports all five, in order', () => {
    const errors = errorsOf(`apiVersion: maestro/v1
name: five
services:
  mcp-forge:
    node: macpro5
    steps:
      - { name: migrate, run: [node, migrate.js], timeout: 5 }
  devmaestro:
    dependOn: [mcp-forge]
    dependsOn: [forge]
    steps:
      - { name: health, check: { tcp: "localhost:80" }, undo: [echo] }
`);
    expect(errors.map(formatIssue)).toEqual([
      'plan.yaml:5:11  services.mcp-forge.node: unknown node "macpro5" (hint: did you mean "macpro51"?)',
      'plan.yaml:7:60  services.mcp-forge.steps[0].timeout: malformed duration 5 (hint: add a unit: "5s" or "5ms")',
      'plan.yaml:9:5  services.devmaestro.dependOn: unknown key "dependOn" (hint: did you mean "dependsOn"?)',
      'plan.yaml:10:17  services.devmaestro.dependsOn[0]: unknown service "forge" (hint: did you mean "mcp-forge"?)',
      'plan.yaml:12:63  services.devmaestro.steps[0].undo: undo on a check step (hint: only run steps can be undone; a check or wait changes nothing, so remove the undo)',
    ]);
  });

  test('cluster files are checked the same way', () => {
    const result = parseClusterText('nodes:\n  gpu-box: { os: linux, arch: x64, role: [gpu] }\n  pi: { os: linux }\n', { file: 'maestro.cluster.yaml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatIssue)).toEqual([
      'maestro.cluster.yaml:2:36  nodes.gpu-box.role: unknown key "role" (hint: did you mean "roles"?)',
      'maestro.cluster.yaml:3:7  nodes.pi.arch: missing required key "arch" (hint: add arch: ...)',
    ]);
  });
});
