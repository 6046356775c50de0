import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, spawnOnFreePorts, spawnTracked, startServerProcessTracked, untilReady, workersPolling } from '../helpers/processes';

// The node install route: `npm pack` makes a tarball with the compiled CLI, and
// `npm install --omit=dev <tarball>` gives a working `maestro` without a clone, dev dependencies
// or a TypeScript build. Installs from the registry (the npm cache first).
const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const dir = tempDir('maestro-pack-');
const prefix = join(dir, 'prefix');
let files: string[];

beforeAll(async () => {
  await ensureBuilt();
  // --ignore-scripts: dist/ was just built by ensureBuilt; `npm pack` alone runs `prepare` (the build) first.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = info!.files.map((f) => f.path);
  await run('npm', ['install', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info!.filename)], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
}, 600_000);

afterAll(killSpawned);

// env: jest's process.env is the test file's own copy (it holds the suite's MAESTRO_KEY and
// MAESTRO_TRUST); child_process left alone would hand the child the real, outer environment.
const maestro = (...args: string[]) => run(join(prefix, 'node_modules', '.bin', 'maestro'), args, { cwd: dir, env: process.env });

describe('npm pack + npm install --omit=dev', () => {
  it('packs the compiled CLI, its docs and examples, and no sources, tests or bench', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/maestro.js', 'dist/client/main.js', 'dist/workflows/index.js', 'dist/activities/launcher-host.js', 'README.md', 'examples/local-rollout.yaml']));
    expect(files.filter((f) => /^(test|client|workers|node_modules|dist\/bench)\/|\.ts$|\.map$/.test(f))).toEqual([]);
  });

  it('installs without dev dependencies: no TypeScript, jest or eslint on the node', () => {
    for (const dev of ['typescript', 'jest', 'eslint', 'ts-jest']) expect(existsSync(join(prefix, 'node_modules', dev))).toBe(false);
    expect(existsSync(join(prefix, 'node_modules', '@temporalio', 'worker'))).toBe(true);
  });

  it('runs from there: --version, worker --help, validate', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect((await maestro('--version')).stdout.trim()).toBe(version);
    expect((await maestro('worker', '--help')).stdout).toContain('--node <name>');
    const installed = join(prefix, 'node_modules', 'cluster-maestro', 'examples', 'local-rollout.yaml');
    expect((await maestro('validate', installed)).stdout).toMatch(/valid/i);
  }, 60_000);

  it('is a whole node and orchestrator: the installed workers bundle the workflows and carry a run', async () => {
    const server = await startServerProcessTracked({ dbFile: join(dir, 'server.sqlite') });
    const bin = join(prefix, 'node_modules', '.bin', 'maestro');
    const worker = spawnTracked(bin, ['worker', '--orchestrator', '--node', 'macpro51', '--address', server.address]);
    await untilReady(worker, 'the installed workers to poll', workersPolling, 90_000);
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'apiVersion: maestro/v1\nname: from-tarball\nservices:\n  api:\n    node: macpro51\n    steps:\n      - { name: hello, run: [echo, installed] }\n');
    const r = await maestro('run', plan, '--wait', '--address', server.address);
    expect(r.stdout).toContain('succeeded');
    await worker.stop();
  }, 180_000);

  it('carries the production route\'s scripts, and the codec endpoint for a separate Web UI starts from the installed package', async () => {
    expect(files).toEqual(expect.arrayContaining(['bin/production-server.js', 'bin/codec-server.js']));
    const TOKEN = 'pack-install-test-token-0123456789abcdef';
    // The endpoint refuses port 0: a free port, tried again should another process take it first.
    let tried = 0;
    const { port, proc: codec } = await spawnOnFreePorts(
      (p) => spawnTracked(process.execPath, [join(prefix, 'node_modules', 'cluster-maestro', 'bin', 'codec-server.js'), '--port', String((tried = p.port)), '--ui-origin', 'http://localhost:8080'], { ...process.env, MAESTRO_CODEC_TOKEN: TOKEN }),
      'the installed codec endpoint to listen',
      (p) => p.stdout().includes(`payload codec endpoint on 127.0.0.1:${tried}`),
      { timeoutMs: 30_000 },
    );
    const post = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { origin: 'http://localhost:8080' }, body: '{"payloads":[]}' });
    expect((await post(`/${TOKEN}/decode`)).status).toBe(200);
    expect((await post('/wrong-token-wrong-token-wrong-token/decode')).status).toBe(403);
    await codec.stop();
  }, 60_000);
});
