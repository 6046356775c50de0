import { DEFAULT_NODES, PLAN_API_VERSION } from '../../plan';
import { HEADER, planOf } from './plan-fixtures';

describe('normalization', () => {
  test('defaults for strategy, approvals, steps, retry and nodes', () => {
    const plan = planOf(`${HEADER}services:\n  api: { steps: [{ name: migrate, run: [node, migrate.js] }] }\n`);
    expect(plan).toMatchObject({
      apiVersion: PLAN_API_VERSION,
      name: 'test',
      source: 'plan.yaml',
      workdir: '/srv/plans',
      strategy: { mode: 'waves', maxParallel: 4, onFailure: 'rollback', nodeTimeoutMs: 30_000 },
      approvals: { approvers: [], allowSelfApproval: true, gates: [] },
    });
    expect(plan.nodes).toEqual(DEFAULT_NODES);
    expect(plan.services).toEqual([
      {
        name: 'api',
        dependsOn: [],
        steps: [
          {
            name: 'migrate',
            kind: 'run',
            run: { argv: ['node', 'migrate.js'] },
            timeoutMs: 600_000,
            retry: { maxAttempts: 3, initialIntervalMs: 2_000, backoff: 2 },
            env: {},
            cwd: '/srv/plans',
            // Never the timeout: a command without an estimate is expected to take PLAN_DEFAULTS.estimate.runMs.
            estimateMs: 30_000,
          },
        ],
      },
    ]);
  });

  test('plan-level defaults apply to every step; a step overrides them field by field', () => {
    const plan = planOf(`${HEADER}defaults: { timeout: 2m, retry: { maxAttempts: 5, initialInterval: 500ms } }
services:
  api:
    steps:
      - { name: a, run: "true" }
      - { name: b, run: "true", timeout: 1h30m, retry: { backoff: 1.5 } }
`);
    const [a, b] = plan.services[0]?.steps ?? [];
    expect(a).toMatchObject({ timeoutMs: 120_000, retry: { maxAttempts: 5, initialIntervalMs: 500, backoff: 2 } });
    expect(b).toMatchObject({ timeoutMs: 5_400_000, retry: { maxAttempts: 5, initialIntervalMs: 500, backoff: 1.5 } });
  });

  test('commands: a list is argv (numbers become strings), a string is run by the shell', () => {
    const plan = planOf(`${HEADER}services:
  db:
    steps:
      - name: restore
        run: [pg_restore, --jobs, 4, --clean, true]
        undo: "psql -c 'DROP SCHEMA public CASCADE'"
`);
    expect(plan.services[0]?.steps[0]).toMatchObject({
      run: { argv: ['pg_restore', '--jobs', '4', '--clean', 'true'] },
      undo: { shell: "psql -c 'DROP SCHEMA public CASCADE'" },
    });
  });

  test('env: literals (numbers as strings) and fromEnv references, never their values', () => {
    const plan = planOf(`${HEADER}services:
  db:
    steps:
      - name: migrate
        run: [migrate]
        env: { PGPORT: 5432, MODE: fast, DATABASE_URL: { fromEnv: NEON_URL } }
`);
    expect(plan.services[0]?.steps[0]?.env).toEqual({ PGPORT: '5432', MODE: 'fast', DATABASE_URL: { fromEnv: 'NEON_URL' } });
  });

  test('workdir is resolved against the plan folder, cwd against workdir', () => {
    const plan = planOf(`${HEADER}workdir: ../app/./src
services:
  api:
    steps:
      - { name: a, run: "true" }
      - { name: b, run: "true", cwd: scripts/.. }
      - { name: c, run: "true", cwd: /opt/tools }
`);
    expect(plan.workdir).toBe('/srv/app/src');
    expect(plan.services[0]?.steps.map((s) => s.cwd)).toEqual(['/srv/app/src', '/srv/app/src', '/opt/tools']);
  });

  test('checks get their defaults and their timeout bounds the step', () => {
    const plan = planOf(`${HEADER}services:
  api:
    steps:
      - { name: http, check: { http: "http://127.0.0.1:8080/health" } }
      - { name: tcp, check: { tcp: "db:5432", status: 204, successes: 3, failures: 5, interval: 250ms, timeout: 2m, bodyIncludes: ok } }
      - { name: bounded, timeout: 10s, check: { tcp: "db:5432" } }
`);
    const [http, tcp, bounded] = plan.services[0]?.steps ?? [];
    expect(http).toMatchObject({
      kind: 'check',
      check: { kind: 'http', http: 'http://127.0.0.1:8080/health', status: 200, successes: 1, failures: 3, intervalMs: 1_000, timeoutMs: 60_000 },
      timeoutMs: 60_000,
      // successes × interval: how fast a healthy service passes, not the check's timeout.
      estimateMs: 1_000,
    });
    // status and bodyIncludes mean nothing to a TCP probe: a TcpCheck has no such fields.
    expect(tcp?.kind === 'check' && tcp.check).toEqual({ kind: 'tcp', tcp: 'db:5432', successes: 3, failures: 5, intervalMs: 250, timeoutMs: 120_000 });
    expect(bounded).toMatchObject({ kind: 'check', check: { timeoutMs: 10_000 } });
    expect(tcp?.estimateMs).toBe(750);
  });

  test('waits and estimates', () => {
    const plan = planOf(`${HEADER}services:
  api:
    steps:
      - { name: bake, wait: 30s }
      - { name: copy, run: "true", estimate: 4m }
`);
    const [bake, copy] = plan.services[0]?.steps ?? [];
    expect(bake).toMatchObject({ kind: 'wait', waitMs: 30_000, estimateMs: 30_000 });
    expect(copy).toMatchObject({ estimateMs: 240_000, timeoutMs: 600_000 });
  });

  test('gates: wave gates sorted, per-service approvals carry the service', () => {
    const plan = planOf(`${HEADER}approvals:
  approvers: [ops-lead, dba]
  allowSelfApproval: false
  gates:
    - { beforeWave: 3, onTimeout: approve, timeout: 1h }
    - { beforeWave: 2 }
services:
  a: { steps: [{ name: s, wait: 1s }] }
  b: { dependsOn: [a], steps: [{ name: s, wait: 1s }] }
  c: { dependsOn: [b], approval: { minApprovals: 2 }, steps: [{ name: s, wait: 1s }] }
`);
    expect(plan.approvals).toEqual({
      approvers: ['ops-lead', 'dba'],
      allowSelfApproval: false,
      gates: [
        { kind: 'wave', beforeWave: 2, timeoutMs: 86_400_000, onTimeout: 'reject', minApprovals: 1 },
        { kind: 'wave', beforeWave: 3, timeoutMs: 3_600_000, onTimeout: 'approve', minApprovals: 1 },
      ],
    });
    expect(plan.services[2]?.approval).toEqual({ kind: 'service', service: 'c', timeoutMs: 86_400_000, onTimeout: 'reject', minApprovals: 2 });
  });

  test('strategy fields', () => {
    const plan = planOf(`${HEADER}strategy: { mode: dag, maxParallel: 2, onFailure: pause, nodeTimeout: 5s }\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n`);
    expect(plan.strategy).toEqual({ mode: 'dag', maxParallel: 2, onFailure: 'pause', nodeTimeoutMs: 5_000 });
  });

  test('maxParallel is capped at 1,000 services in flight (Temporal allows 2,000 pending children per run)', () => {
    const plan = (maxParallel: number) => planOf(`${HEADER}strategy: { maxParallel: ${maxParallel} }\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n`);
    expect(plan(1_000).strategy.maxParallel).toBe(1_000);
    expect(plan(5_000).strategy.maxParallel).toBe(1_000);
    expect(plan(999).strategy.maxParallel).toBe(999);
  });

  test('pins and requirements are kept; repeated dependencies collapse', () => {
    const plan = planOf(`${HEADER}services:
  a: { node: macpro51, steps: [{ name: s, wait: 1s }] }
  b: { dependsOn: [a, a], requires: { os: darwin, roles: [docs] }, steps: [{ name: s, wait: 1s }] }
`);
    expect(plan.services[0]?.node).toBe('macpro51');
    expect(plan.services[1]).toMatchObject({ dependsOn: ['a'], requires: { os: 'darwin', roles: ['docs'] } });
  });

  describe('nodes', () => {
    const cluster = { nodes: [{ name: 'n1', os: 'linux', arch: 'x64', roles: ['docker'] }, { name: 'n2', os: 'linux', arch: 'arm64', roles: [] }] };

    test('plan nodes replace the defaults', () => {
      const plan = planOf(`${HEADER}nodes:\n  local: { os: linux, arch: x64 }\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n`);
      expect(plan.nodes).toEqual([{ name: 'local', os: 'linux', arch: 'x64', roles: [] }]);
    });

    test('a cluster replaces the defaults', () => {
      expect(planOf(`${HEADER}services:\n  a: { steps: [{ name: s, wait: 1s }] }\n`, cluster).nodes).toEqual(cluster.nodes);
    });

    test('plan nodes override and extend the cluster', () => {
      const plan = planOf(`${HEADER}nodes:\n  n2: { os: linux, arch: arm64, roles: [gpu] }\n  n3: { os: darwin, arch: arm64 }\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n`, cluster);
      expect(plan.nodes.map((n) => [n.name, n.roles])).toEqual([
        ['n1', ['docker']],
        ['n2', ['gpu']],
        ['n3', []],
      ]);
    });

    test('pins and requirements are checked against the merged nodes', () => {
      const plan = planOf(`${HEADER}services:\n  a: { node: n1, steps: [{ name: s, wait: 1s }] }\n  b: { requires: { arch: arm64 }, steps: [{ name: s, wait: 1s }] }\n`, cluster);
      expect(plan.services.map((s) => s.name)).toEqual(['a', 'b']);
    });
  });

  test('x- keys hold anchors and are otherwise ignored; merge keys work', () => {
    const plan = planOf(`${HEADER}x-step: &step { run: [make], timeout: 1m }
services:
  a:
    steps:
      - { <<: *step, name: build }
      - { <<: *step, name: test, timeout: 2m }
`);
    expect(plan.services[0]?.steps.map((s) => [s.name, s.kind === 'run' && s.run, s.timeoutMs])).toEqual([
      ['build', { argv: ['make'] }, 60_000],
      ['test', { argv: ['make'] }, 120_000],
    ]);
  });

  test('services and nodes keep the written order, even with integer-like names', () => {
    const plan = planOf(`${HEADER}nodes:
  "20": { os: linux, arch: x64 }
  "3": { os: linux, arch: x64 }
services:
  "10": { steps: [{ name: s, wait: 1s }] }
  "2": { steps: [{ name: s, wait: 1s }] }
  b: { steps: [{ name: s, wait: 1s }] }
`);
    expect(plan.services.map((s) => s.name)).toEqual(['10', '2', 'b']);
    expect(plan.nodes.map((n) => n.name)).toEqual(['20', '3']);
  });

  test('the normalized plan is plain JSON', () => {
    const plan = planOf(`${HEADER}services:\n  a: { steps: [{ name: s, run: [x], env: { A: { fromEnv: B } } }] }\n`);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});
