/**
 * The local demo's scripts (examples/local/), run directly as the node workers would run them:
 * real files, real processes, real HTTP. And the two demo plans parse and agree with the scripts.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeWaves } from '../../plan/graph';
import { parsePlanText } from '../../plan/parse';
import type { NormalizedPlan } from '../../plan/types';
import { isAlive } from '../fixtures/activity-harness';
import { waitFor } from '../helpers/wait-for';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const STEP = join(EXAMPLES, 'local', 'step.js');
const CLEANUP = join(EXAMPLES, 'local', 'cleanup.js');
const SERVICES = JSON.parse(readFileSync(join(EXAMPLES, 'local', 'services.json'), 'utf8')) as Record<string, { portOffset: number }>;
const PLAN_PORT_BASE = 18080;

let state: string;
let portBase: number;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function node(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: EXAMPLES, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function demoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, MAESTRO_DEMO_DIR: state, MAESTRO_DEMO_PORT_BASE: String(portBase), MAESTRO_DEMO_IDLE_EXIT: '5m', ...extra };
}

interface StepOptions {
  service: string;
  runId: string;
  version: string;
  schema: number;
  requiresSchema?: number;
  undo?: boolean;
  attempt?: number;
  node?: string;
}

/** Runs one action with the environment Maestro's runner gives a command. */
function step(action: string, o: StepOptions): Promise<Result> {
  return node(STEP, o.undo ? [action, '--undo'] : [action], stepEnv(action, o));
}

function stepEnv(action: string, o: StepOptions): NodeJS.ProcessEnv {
  return demoEnv({
    MAESTRO_PLAN: 'local-scripts-test',
    MAESTRO_SERVICE: o.service,
    MAESTRO_STEP: action,
    MAESTRO_RUN_ID: o.runId,
    MAESTRO_NODE: o.node ?? 'macpro51',
    MAESTRO_ATTEMPT: String(o.attempt ?? 1),
    MAESTRO_IDEMPOTENCY_KEY: `${o.runId}/${o.service}/${action}`,
    MAESTRO_PHASE: o.undo ? 'undo' : 'do',
    VERSION: o.version,
    DATA_SCHEMA: String(o.schema),
    ...(o.requiresSchema === undefined ? {} : { REQUIRES_SCHEMA: String(o.requiresSchema) }),
  });
}

async function ok(action: string, o: StepOptions): Promise<string> {
  const result = await step(action, o);
  if (result.code !== 0) throw new Error(`${o.service} ${action}${o.undo ? ' --undo' : ''} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

function port(service: string, base = portBase): number {
  const offset = SERVICES[service]?.portOffset;
  if (offset === undefined) throw new Error(`no service ${service}`);
  return base + offset;
}

interface Health {
  status: number;
  body: { service: string; version: string; pid: number; healthy: boolean; schema: number; reason?: string };
}

/** GET /health; rejects when nothing listens. */
function health(service: string): Promise<Health> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port: port(service), path: '/health', agent: false, timeout: 2_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Health['body'] }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const paths = {
  data: (service: string) => join(state, 'data', `${service}.json`),
  current: (service: string) => join(state, 'current', service),
  release: (service: string, version: string) => join(state, 'releases', service, version),
  pidFile: (service: string) => join(state, 'run', `${service}.pid`),
};

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function portFree(candidate: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(candidate, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base with a free port for every demo service, found by asking the kernel for a free one. */
async function freePortBase(): Promise<number> {
  const span = Math.max(...Object.values(SERVICES).map((s) => s.portOffset)) + 1;
  for (let tries = 0; tries < 20; tries += 1) {
    const base = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (base + span > 65535) continue;
    const free = await Promise.all(Array.from({ length: span }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no run of free ports found');
}

/** The lines of actions.log whose key belongs to `runId`: `<service> <step> <phase> <node>`. */
function actions(runId: string): string[] {
  return readFileSync(join(state, 'actions.log'), 'utf8')
    .split('\n')
    .filter((line) => line.includes(` key=${runId}/`))
    .map((line) => line.split(' ').slice(0, 4).join(' '));
}

function recordedPids(): number[] {
  const pids: number[] = [];
  for (const service of Object.keys(SERVICES)) {
    if (existsSync(paths.pidFile(service))) pids.push(readJson<{ pid: number }>(paths.pidFile(service)).pid);
  }
  return pids;
}

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'maestro-demo-'));
  portBase = await freePortBase();
});

afterAll(async () => {
  const pids = recordedPids();
  const result = await node(CLEANUP, [], demoEnv());
  expect(result.code).toBe(0);
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
  rmSync(state, { recursive: true, force: true });
});

describe('the demo plans', () => {
  function parse(file: string): NormalizedPlan {
    const result = parsePlanText(readFileSync(join(EXAMPLES, file), 'utf8'), { file: `examples/${file}`, baseDir: EXAMPLES });
    if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors, null, 2)}`);
    return result.plan;
  }

  test.each(['local-rollout.yaml', 'local-rollback.yaml'])('%s parses and runs the scripts on three nodes in three waves', (file) => {
    const plan = parse(file);
    expect(plan.workdir).toBe(EXAMPLES);
    expect(computeWaves(plan)).toEqual([['config-store'], ['api', 'worker'], ['web']]);
    expect(new Set(plan.services.map((s) => s.node))).toEqual(new Set(['mac-studio', 'macbook-air', 'macpro51']));
    expect(plan.strategy.onFailure).toBe('rollback');

    for (const service of plan.services) {
      expect(service.steps.map((s) => s.name)).toEqual(['build', 'migrate', 'start', 'health', 'switch']);
      const version = service.steps[0]?.env.VERSION;
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      for (const s of service.steps) {
        if (s.kind === 'run') {
          expect(s.cwd).toBe(EXAMPLES);
          expect(s.run).toEqual({ argv: ['node', 'local/step.js', s.name] });
          expect(s.undo).toEqual({ argv: ['node', 'local/step.js', s.name, '--undo'] });
          expect(s.env.VERSION).toBe(version);
          expect(existsSync(join(s.cwd, 'local', 'step.js'))).toBe(true);
        } else {
          // The checks use the default ports the scripts use when MAESTRO_DEMO_PORT_BASE is unset.
          expect(s).toMatchObject({
            kind: 'check',
            check: { kind: 'http', http: `http://127.0.0.1:${port(service.name, PLAN_PORT_BASE)}/health`, bodyIncludes: `"version":"${String(version)}"`, successes: 2 },
          });
        }
      }
    }
  });

  test('only the rollback plan has a release that needs a newer schema than it migrates to (api)', () => {
    const needsMore = (plan: NormalizedPlan): string[] =>
      plan.services
        .filter((s) => {
          const env = s.steps.find((x) => x.name === 'build')?.env ?? {};
          const migrateTo = Number(s.steps.find((x) => x.name === 'migrate')?.env.DATA_SCHEMA);
          return Number(env.REQUIRES_SCHEMA ?? env.DATA_SCHEMA) > migrateTo;
        })
        .map((s) => s.name);
    expect(needsMore(parse('local-rollout.yaml'))).toEqual([]);
    expect(needsMore(parse('local-rollback.yaml'))).toEqual(['api']);
  });
});

describe('the demo scripts', () => {
  test('deploy one service, retry every step, then undo in reverse back to the previous version', async () => {
    const v1: StepOptions = { service: 'api', runId: 'run-1', version: '1.0.0', schema: 1 };
    for (const action of ['build', 'migrate', 'start', 'switch']) await ok(action, v1);
    const before = {
      link: readlinkSync(paths.current('api')),
      data: readFileSync(paths.data('api')),
      health: await health('api'),
    };
    expect(before.link).toBe(join('..', 'releases', 'api', '1.0.0'));
    expect(before.health).toMatchObject({ status: 200, body: { service: 'api', version: '1.0.0', schema: 1, healthy: true } });

    const v2: StepOptions = { service: 'api', runId: 'run-2', version: '2.0.0', schema: 2 };
    // build: the release directory, and a manifest that matches its files
    await ok('build', v2);
    const release = paths.release('api', '2.0.0');
    const manifest = readJson<{ version: string; files: Record<string, string> }>(join(release, 'manifest.json'));
    expect(manifest.version).toBe('2.0.0');
    expect(Object.keys(manifest.files).sort()).toEqual(['handler.js', 'release.json', 'server.js']);
    for (const [name, hash] of Object.entries(manifest.files)) {
      expect(createHash('sha256').update(readFileSync(join(release, name))).digest('hex')).toBe(hash);
    }
    // migrate: a field on every record, and who applied it
    await ok('migrate', v2);
    const migrated = readJson<{ schema: number; records: Array<Record<string, unknown>>; migrations: Array<{ key: string }> }>(paths.data('api'));
    expect(migrated.schema).toBe(2);
    expect(migrated.records.length).toBeGreaterThan(0);
    for (const record of migrated.records) expect(record.status).toBe('active');
    expect(migrated.migrations.at(-1)?.key).toBe('run-2/api/migrate');
    // start: the new version answers over HTTP, the old one is gone
    await ok('start', v2);
    const started = await health('api');
    expect(started).toMatchObject({ status: 200, body: { version: '2.0.0', schema: 2, healthy: true } });
    expect(started.body.pid).not.toBe(before.health.body.pid);
    expect(isAlive(before.health.body.pid)).toBe(false);
    // switch
    await ok('switch', v2);
    expect(readlinkSync(paths.current('api'))).toBe(join('..', 'releases', 'api', '2.0.0'));

    // Retries with the same idempotency key find the work done and change nothing.
    const data = readFileSync(paths.data('api'));
    for (const action of ['build', 'migrate', 'start', 'switch']) {
      expect(await ok(action, { ...v2, attempt: 2 })).toMatch(/already/);
    }
    expect(readFileSync(paths.data('api'))).toEqual(data);
    expect((await health('api')).body.pid).toBe(started.body.pid);

    // Undo, in reverse.
    await ok('switch', { ...v2, undo: true });
    expect(readlinkSync(paths.current('api'))).toBe(before.link);

    await ok('start', { ...v2, undo: true });
    const restored = await health('api');
    expect(restored).toMatchObject({ status: 200, body: { version: '1.0.0', healthy: true } });
    expect(isAlive(started.body.pid)).toBe(false);

    await ok('migrate', { ...v2, undo: true });
    expect(readFileSync(paths.data('api'))).toEqual(before.data);

    await ok('build', { ...v2, undo: true });
    expect(existsSync(release)).toBe(false);
    expect(existsSync(paths.release('api', '1.0.0'))).toBe(true);

    // Undoing again changes nothing.
    for (const action of ['switch', 'start', 'migrate', 'build']) {
      expect(await ok(action, { ...v2, undo: true })).toMatch(/nothing to undo/);
    }
    expect((await health('api')).body.pid).toBe(restored.body.pid);
    expect(readFileSync(paths.data('api'))).toEqual(before.data);

    expect(actions('run-2')).toEqual([
      'api build do macpro51',
      'api migrate do macpro51',
      'api start do macpro51',
      'api switch do macpro51',
      'api build do macpro51',
      'api migrate do macpro51',
      'api start do macpro51',
      'api switch do macpro51',
      'api switch undo macpro51',
      'api start undo macpro51',
      'api migrate undo macpro51',
      'api build undo macpro51',
      'api switch undo macpro51',
      'api start undo macpro51',
      'api migrate undo macpro51',
      'api build undo macpro51',
    ]);
  });

  test('a release that needs a newer data schema answers /health 503 (how local-rollback.yaml fails); its undo leaves nothing running', async () => {
    const bad: StepOptions = { service: 'worker', runId: 'run-bad', version: '2.1.0', schema: 3, requiresSchema: 4, node: 'macbook-air' };
    for (const action of ['build', 'migrate', 'start']) await ok(action, bad);
    const answer = await health('worker');
    expect(answer).toMatchObject({ status: 503, body: { version: '2.1.0', schema: 3, healthy: false } });
    expect(answer.body.reason).toContain('schema 3');

    // No version ran before: the undo stops it and starts nothing.
    await ok('start', { ...bad, undo: true });
    expect(isAlive(answer.body.pid)).toBe(false);
    expect(existsSync(paths.pidFile('worker'))).toBe(false);
    await expect(health('worker')).rejects.toThrow();
    // The data file was seeded by this run's migrate: undo returns it to the seed, schema 1.
    await ok('migrate', { ...bad, undo: true });
    expect(readJson<{ schema: number }>(paths.data('worker')).schema).toBe(1);
    await ok('build', { ...bad, undo: true });
    expect(existsSync(paths.release('worker', '2.1.0'))).toBe(false);
    expect(actions('run-bad')).toEqual([
      'worker build do macbook-air',
      'worker migrate do macbook-air',
      'worker start do macbook-air',
      'worker start undo macbook-air',
      'worker migrate undo macbook-air',
      'worker build undo macbook-air',
    ]);
  });

  test('releases are immutable: the same version with other content is refused', async () => {
    const first: StepOptions = { service: 'web', runId: 'run-a', version: '3.0.0', schema: 1, node: 'mac-studio' };
    await ok('build', first);
    const again = await step('build', { ...first, runId: 'run-b', requiresSchema: 2 });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists with other content');
    // The same content is a no-op, and the undo of a run that did not create it keeps it.
    expect(await ok('build', { ...first, runId: 'run-c' })).toMatch(/already built, identical/);
    expect(await ok('build', { ...first, runId: 'run-c', undo: true })).toMatch(/kept/);
    expect(existsSync(paths.release('web', '3.0.0'))).toBe(true);
  });

  test('a start that fails, or is stopped half way, leaves the previous version running', async () => {
    const v1: StepOptions = { service: 'web', runId: 'run-w1', version: '1.0.0', schema: 1, node: 'mac-studio' };
    for (const action of ['build', 'migrate', 'start', 'switch']) await ok(action, v1);
    const first = await health('web');

    // A broken release: its server cannot load its handler and exits at once.
    const broken: StepOptions = { ...v1, runId: 'run-w2', version: '1.1.0' };
    await ok('build', broken);
    rmSync(join(paths.release('web', '1.1.0'), 'handler.js'));
    const failed = await step('start', broken);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('web 1.1.0 exited');
    expect(failed.stderr).toContain('restarted 1.0.0');
    const afterFailure = await health('web');
    expect(afterFailure).toMatchObject({ status: 200, body: { version: '1.0.0' } });
    expect(afterFailure.body.pid).not.toBe(first.body.pid);

    // Cancelled by Maestro (SIGTERM) once it has stopped the old server: it finishes, then puts back.
    const cancelled: StepOptions = { ...v1, runId: 'run-w3', version: '1.2.0' };
    await ok('build', cancelled);
    const child = spawn(process.execPath, [STEP, 'start'], { cwd: EXAMPLES, env: stepEnv('start', cancelled), stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the old server to stop', () => !isAlive(afterFailure.body.pid), 10_000, 5);
    expect(isAlive(afterFailure.body.pid)).toBe(false);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(await health('web')).toMatchObject({ status: 200, body: { version: '1.0.0' } });
    expect(readJson<{ version: string }>(paths.pidFile('web')).version).toBe('1.0.0');
    // Nothing left to undo: the journal knows it was put back.
    expect(await ok('start', { ...cancelled, undo: true })).toMatch(/nothing to undo/);

    const log = readFileSync(join(state, 'actions.log'), 'utf8');
    expect(log).toMatch(/^web start do mac-studio .* key=run-w2\/web\/start \| failed: .*put back: .*restarted 1\.0\.0/m);
    expect(log).toMatch(/^web start do mac-studio .* key=run-w3\/web\/start \| .*stopped by SIGTERM, put back: .*restarted 1\.0\.0/m);
  });

  test('cleanup.js stops every demo server it finds in the state dir', async () => {
    const cs: StepOptions = { service: 'config-store', runId: 'run-cleanup', version: '1.0.0', schema: 1, node: 'mac-studio' };
    for (const action of ['build', 'migrate', 'start']) await ok(action, cs);
    const pids = recordedPids();
    expect(pids.length).toBeGreaterThanOrEqual(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);

    const result = await node(CLEANUP, [], demoEnv());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('stopped config-store 1.0.0');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(recordedPids()).toEqual([]);
    await expect(health('config-store')).rejects.toThrow();
  });
});
