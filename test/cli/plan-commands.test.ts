import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { EXIT } from '../../client/exit-codes';
import { PlanInvalidError, loadPlan } from '../../client/load-plan';
import { InvalidInputError } from '../../client/errors';

const EXAMPLE = path.resolve(__dirname, '../../examples/supabase-to-neon.yaml');

const VALID = `apiVersion: maestro/v1
name: small
services:
  db: { steps: [{ name: migrate, run: [true], estimate: 1m }] }
  api: { dependsOn: [db], approval: { minApprovals: 1 }, steps: [{ name: bake, wait: 30s }] }
approvals:
  gates: [{ beforeWave: 2 }]
`;

const INVALID = `apiVersion: maestro/v1
name: broken
services:
  db:
    node: macpro5
    steps: [{ name: migrate, run: [true] }]
  api:
    dependOn: [db]
    dependsOn: [dbb]
    steps: []
`;

let dir: string;
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'maestro-plan-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await runCli(args, output);
  // Each write is a line (the process output adds the newline when missing).
  const lines = (chunks: string[]) => chunks.map((c) => c.replace(/\n$/, '')).join('\n');
  return { code, stdout: lines(output.stdout), stderr: lines(output.stderr) };
}

describe('maestro validate', () => {
  test('a valid plan exits 0', async () => {
    const { code, stdout } = await cli(['validate', EXAMPLE]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/plan "supabase-to-neon" is valid — 8 services in 3 waves/);
  });

  test('an invalid plan exits 2 and lists every mistake with file:line:col, path and hint', async () => {
    const file = write('broken.yaml', INVALID);
    const { code, stdout, stderr } = await cli(['validate', file]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toEqual([
      `${file}:5:11  services.db.node: unknown node "macpro5" (hint: did you mean "macpro51"?)`,
      `${file}:8:5  services.api.dependOn: unknown key "dependOn" (hint: did you mean "dependsOn"?)`,
      `${file}:9:17  services.api.dependsOn[0]: unknown service "dbb" (hint: did you mean "db"?)`,
      `${file}:10:12  services.api.steps: service "api" has no steps (hint: add at least one step with run, check or wait)`,
      '✗ 4 problems; nothing was started',
    ]);
  });

  test('--json, valid', async () => {
    const { code, stdout } = await cli(['validate', EXAMPLE, '--json']);
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(stdout)).toEqual({
      valid: true,
      file: EXAMPLE,
      clusterFile: null,
      name: 'supabase-to-neon',
      services: 8,
      waves: 3,
      nodes: ['mac-studio', 'macbook-air', 'macpro51'],
    });
  });

  test('--json, invalid', async () => {
    const file = write('broken.yaml', INVALID);
    const { code, stdout } = await cli(['validate', file, '--json']);
    expect(code).toBe(EXIT.invalidInput);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ valid: false, file });
    expect(json.errors).toHaveLength(4);
    expect(json.errors[0]).toEqual({
      file,
      line: 5,
      col: 11,
      path: 'services.db.node',
      message: 'unknown node "macpro5"',
      hint: 'did you mean "macpro51"?',
      code: 'unknown-node',
    });
  });

  test('a missing file exits 2', async () => {
    const { code, stderr } = await cli(['validate', path.join(dir, 'nope.yaml')]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toMatch(/plan .*nope\.yaml not found/);
  });

  test('a missing argument exits 2', async () => {
    expect((await cli(['validate'])).code).toBe(EXIT.invalidInput);
  });

  test('--cluster names the nodes; a cluster file beside the plan is found by itself', async () => {
    const plan = write('p/plan.yaml', `apiVersion: maestro/v1\nname: c\nservices:\n  a: { node: gpu-1, steps: [{ name: s, wait: 1s }] }\n`);
    expect((await cli(['validate', plan])).code).toBe(EXIT.invalidInput);

    const cluster = write('elsewhere.yaml', 'nodes:\n  gpu-1: { os: linux, arch: x64, roles: [gpu] }\n');
    const explicit = await cli(['validate', plan, '--cluster', cluster, '--json']);
    expect(explicit.code).toBe(EXIT.ok);
    expect(JSON.parse(explicit.stdout)).toMatchObject({ clusterFile: cluster, nodes: ['gpu-1'] });

    write('p/maestro.cluster.yaml', 'nodes:\n  gpu-1: { os: linux, arch: x64 }\n');
    const found = await cli(['validate', plan]);
    expect(found.code).toBe(EXIT.ok);
    expect(found.stdout).toMatch(/nodes from .*maestro\.cluster\.yaml/);
  });

  test('an invalid cluster file exits 2 with its own positions', async () => {
    const plan = write('plan.yaml', VALID);
    const cluster = write('cluster.yaml', 'nodes:\n  a: { os: linux }\n');
    const { code, stderr } = await cli(['validate', plan, '--cluster', cluster]);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain(`${cluster}:2:6  nodes.a.arch: missing required key "arch"`);
  });
});

describe('maestro plan', () => {
  test('prints the waves table, gates and the critical path', async () => {
    const file = write('plan.yaml', VALID);
    const { code, stdout } = await cli(['plan', file]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('Plan small: 2 services in 2 waves');
    expect(stdout).toMatch(/WAVE\s+SERVICE\s+NODES \(preferred first\)\s+DEPENDS ON\s+GATES/);
    expect(stdout).toMatch(/1\s+db\s+mac-studio, macbook-air, macpro51\s+-\s+-/);
    expect(stdout).toMatch(/2\s+api\s+macbook-air, macpro51, mac-studio\s+db\s+wave gate, approval \(1 approval, 24h, then reject\)/);
    expect(stdout).toContain('⏸ before wave 2: 1 approval, 24h, then reject');
    expect(stdout).toContain('Critical path: db → api (1m 30s)');
  });

  test('--json shape', async () => {
    const file = write('plan.yaml', VALID);
    const { code, stdout } = await cli(['plan', file, '--json']);
    expect(code).toBe(EXIT.ok);
    const json = JSON.parse(stdout);
    expect(Object.keys(json).sort()).toEqual(
      ['valid', 'file', 'clusterFile', 'name', 'source', 'workdir', 'strategy', 'nodes', 'approvers', 'waves', 'criticalPath', 'plan'].sort(),
    );
    expect(json.waves).toEqual([
      { wave: 1, gate: null, services: [{ name: 'db', nodes: ['mac-studio', 'macbook-air', 'macpro51'], dependsOn: [], steps: ['migrate'], estimateMs: 60_000, approval: null }] },
      {
        wave: 2,
        gate: { kind: 'wave', beforeWave: 2, timeoutMs: 86_400_000, onTimeout: 'reject', minApprovals: 1 },
        services: [
          {
            name: 'api',
            nodes: ['macbook-air', 'macpro51', 'mac-studio'],
            dependsOn: ['db'],
            steps: ['bake'],
            estimateMs: 30_000,
            approval: { kind: 'service', service: 'api', timeoutMs: 86_400_000, onTimeout: 'reject', minApprovals: 1 },
          },
        ],
      },
    ]);
    expect(json.criticalPath).toEqual({ services: ['db', 'api'], lengthMs: 90_000 });
    expect(json.plan).toMatchObject({ apiVersion: 'maestro/v1', name: 'small', source: file, workdir: dir });
  });

  test('an invalid plan exits 2; with --json the errors are printed as JSON', async () => {
    const file = write('broken.yaml', INVALID);
    const text = await cli(['plan', file]);
    expect(text.code).toBe(EXIT.invalidInput);
    expect(text.stderr).toContain('plan is invalid (4 problems)');
    expect(text.stderr).toContain(`${file}:8:5  services.api.dependOn`);
    const json = await cli(['plan', file, '--json']);
    expect(json.code).toBe(EXIT.invalidInput);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, errors: expect.any(Array) });
  });
});

describe('maestro graph', () => {
  test('mermaid by default: waves as subgraphs, gates marked', async () => {
    const file = write('plan.yaml', VALID);
    const { code, stdout } = await cli(['graph', file]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^flowchart LR\n/);
    expect(stdout).toContain('subgraph wave1["Wave 1"]');
    expect(stdout).toContain('subgraph wave2["Wave 2 ⏸ gate: 1 approval, 24h, then reject"]');
    expect(stdout).toContain('s0 --> s1');
    expect(stdout).toContain('class s1 gated');
  });

  test('dot: waves as clusters', async () => {
    const file = write('plan.yaml', VALID);
    const { code, stdout } = await cli(['graph', file, '--format', 'dot']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^digraph "small" \{/);
    expect(stdout).toContain('subgraph cluster_wave2 {');
    expect(stdout).toContain('"db" -> "api";');
    expect(stdout).toContain('style=dashed');
  });

  test('--json shape', async () => {
    const file = write('plan.yaml', VALID);
    const json = JSON.parse((await cli(['graph', file, '--format', 'dot', '--json'])).stdout);
    expect(json).toMatchObject({ valid: true, file, format: 'dot', edges: [['db', 'api']] });
    expect(json.graph).toMatch(/^digraph/);
    expect(json.waves).toHaveLength(2);
  });

  test('an unknown format exits 2', async () => {
    const file = write('plan.yaml', VALID);
    const { code, stderr } = await cli(['graph', file, '--format', 'svg']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toMatch(/mermaid, dot/);
  });
});

describe('loadPlan', () => {
  test('throws PlanInvalidError (an InvalidInputError, exit 2) listing every issue', async () => {
    const file = write('broken.yaml', INVALID);
    const error = await loadPlan(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanInvalidError);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as PlanInvalidError).exitCode).toBe(EXIT.invalidInput);
    expect((error as PlanInvalidError).issues).toHaveLength(4);
    expect((error as Error).message.split('\n')).toHaveLength(5);
  });

  test('relative paths resolve against cwd; source and workdir are absolute', async () => {
    write('sub/plan.yaml', `${VALID}workdir: ../work\n`);
    const plan = await loadPlan('sub/plan.yaml', { cwd: dir });
    expect(plan.source).toBe(path.join(dir, 'sub/plan.yaml'));
    expect(plan.workdir).toBe(path.join(dir, 'work'));
  });
});
