import { readFileSync } from 'node:fs';
import path from 'node:path';
import { computeWaves, criticalPath, parsePlanText, routeServices, summarizePlan, type NormalizedPlan } from '../../plan';
import { renderPlanTable } from '../../client/commands/plan';

const EXAMPLES = path.resolve(__dirname, '../../examples');

function load(name: string): NormalizedPlan {
  const file = path.join(EXAMPLES, name);
  const result = parsePlanText(readFileSync(file, 'utf8'), { file, baseDir: EXAMPLES });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`).join('\n'));
  return result.plan;
}

describe('examples/supabase-to-neon.yaml', () => {
  const plan = load('supabase-to-neon.yaml');

  test('eight services in three waves, mcp-forge first and devmaestro after it', () => {
    expect(plan.services).toHaveLength(8);
    const waves = computeWaves(plan);
    expect(waves).toHaveLength(3);
    expect(waves[0]).toEqual(expect.arrayContaining(['mcp-forge', 'blogcraft', 'ewp']));
    expect(waves[1]).toContain('devmaestro');
    expect(plan.services.find((s) => s.name === 'devmaestro')?.dependsOn).toEqual(['mcp-forge']);
    expect(plan.services.find((s) => s.name === 'blogcraft')?.dependsOn).toEqual([]);
    expect(plan.services.find((s) => s.name === 'ewp')?.dependsOn).toEqual([]);
  });

  test('every service migrates its database, switches over and checks health, with undos', () => {
    for (const service of plan.services) {
      expect(service.steps.map((s) => s.name)).toEqual([
        'create-database',
        'migrate-schema',
        'copy-data',
        'verify-row-counts',
        'switch-connection-secret',
        'rolling-restart',
        'health',
      ]);
      const undone = service.steps.filter((s) => s.kind === 'run' && s.undo).map((s) => s.name);
      expect(undone).toEqual(['create-database', 'migrate-schema', 'copy-data', 'switch-connection-secret', 'rolling-restart']);
      expect(service.steps.at(-1)).toMatchObject({ kind: 'check', check: { kind: 'http', http: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/health$/) } });
    }
  });

  test('secrets come from the environment, never from the file', () => {
    const step = plan.services[0]?.steps[1];
    expect(step?.env.SOURCE_URL).toEqual({ fromEnv: 'SUPABASE_DB_URL_MCP_FORGE' });
    expect(step?.env.TARGET_URL).toEqual({ fromEnv: 'NEON_DB_URL_MCP_FORGE' });
    expect(JSON.stringify(plan)).not.toMatch(/postgres(ql)?:\/\//);
  });

  test('an approval gate before wave 2; every service can run on the docker node', () => {
    expect(plan.approvals.gates).toEqual([{ kind: 'wave', beforeWave: 2, timeoutMs: 86_400_000, onTimeout: 'reject', minApprovals: 1 }]);
    expect(Object.values(routeServices(plan)).every((nodes) => nodes[0] === 'macpro51')).toBe(true);
    expect(criticalPath(plan).services).toEqual(['mcp-forge', 'devmaestro', 'agent-hub']);
  });
});

describe('examples/swarm-rolling-update.yaml', () => {
  const plan = load('swarm-rolling-update.yaml');

  test('services updated wave by wave with health checks and rollback', () => {
    expect(computeWaves(plan)).toEqual([['postgres-exporter', 'cache'], ['api', 'jobs'], ['web'], ['proxy']]);
    expect(plan.strategy.onFailure).toBe('rollback');
    for (const service of plan.services) {
      const update = service.steps.find((s) => s.name === 'update');
      expect(update).toMatchObject({ kind: 'run', undo: { shell: expect.stringContaining('docker service rollback') } });
      expect(service.steps.some((s) => s.kind === 'check')).toBe(true);
    }
  });
});

describe('docs/plan-format.md', () => {
  const docs = readFileSync(path.resolve(__dirname, '../../docs/plan-format.md'), 'utf8');
  const blocks = [...docs.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] as string }));

  test('the complete example is valid and `maestro plan` prints what the docs show', () => {
    const example = blocks.find((b) => b.lang === 'yaml')?.text ?? '';
    const result = parsePlanText(example, { file: 'plan.yaml', baseDir: '/abs/path' });
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`).join('\n'));
    const shown = blocks.find((b) => b.lang === '' && b.text.startsWith('Plan shop-release'))?.text;
    expect(renderPlanTable(summarizePlan(result.plan))).toBe(shown);
  });
});
