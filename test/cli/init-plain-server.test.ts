import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maestro } from '../helpers/cli';
import { startPlainServer, STACK_FRAME } from '../helpers/plain-server';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, spawnMaestro, startNodeWorkerProcess, type Spawned } from '../helpers/processes';
import { uniqueSuffix } from '../helpers/temporal-env';
import { waitFor } from '../helpers/wait-for';
import { EXIT } from '../../client/exit-codes';

// A plain `temporal server start-dev` (no Maestro flags): every command says to run
// `maestro init` until it has, and then runs work with workers started as their own processes.
let address: string;
let planFile: string;
const dir = tempDir('maestro-init-');

beforeAll(async () => {
  await ensureBuilt();
  ({ address } = await startPlainServer());
  planFile = join(dir, 'plan.yaml');
  writeFileSync(
    planFile,
    [
      'apiVersion: maestro/v1',
      `name: ${uniqueSuffix('init')}`,
      'services:',
      '  api:',
      '    node: macpro51',
      '    steps:',
      '      - { name: hello, run: [/bin/sh, -c, "echo hello from $MAESTRO_NODE"] }',
      '',
    ].join('\n'),
  );
}, 120_000);

afterAll(killSpawned);

const expectNoStack = (r: { out: string; err: string }) => {
  expect(r.out + r.err).not.toMatch(STACK_FRAME);
};

describe('a server nobody prepared', () => {
  it.each([
    ['run', () => ['run', planFile]],
    ['list --plan', () => ['list', '--plan', 'x']],
    ['report --since', () => ['report', '--since', '30d']],
  ])('%s names `maestro init`, exit 5, no stack trace', async (_name, args) => {
    const r = await maestro(address, ...args());
    expectNoStack(r);
    expect(r.code).toBe(EXIT.notPrepared);
    expect(r.err).toMatch(/not prepared for Maestro/);
    expect(r.err).toContain(`maestro init --address ${address} --namespace default`);
  });

  it('an unknown namespace says so and how to create it, exit 5', async () => {
    const r = await maestro(address, 'list', '--namespace', 'no-such-ns');
    expectNoStack(r);
    expect(r.code).toBe(EXIT.notPrepared);
    expect(r.err).toContain('namespace "no-such-ns" does not exist');
    expect(r.err).toContain('--create-namespace');
  });

  it('`maestro init` on an unknown namespace without --create-namespace refuses, exit 5', async () => {
    const r = await maestro(address, 'init', '--namespace', 'no-such-ns');
    expectNoStack(r);
    expect(r.code).toBe(EXIT.notPrepared);
    expect(r.err).toContain('maestro init --namespace no-such-ns --create-namespace');
  });
});

describe('maestro init', () => {
  it('registers the search attributes, then finds them there (idempotent)', async () => {
    const first = await maestro(address, 'init', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ namespace: 'default', createdNamespace: false, added: ['MaestroPlan', 'MaestroState', 'MaestroWave', 'MaestroServices'], present: [] });
    const again = await maestro(address, 'init');
    expect(again.code).toBe(0);
    expect(again.out).toContain('search attributes already there: MaestroPlan, MaestroState, MaestroWave, MaestroServices');
    // Usable at once: the visibility query that failed before init now answers.
    expect((await maestro(address, 'list', '--plan', 'x')).code).toBe(0);
  });

  it('--create-namespace registers a new namespace and prepares it', async () => {
    const namespace = uniqueSuffix('ns');
    const r = await maestro(address, 'init', '--namespace', namespace, '--create-namespace');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`namespace "${namespace}" registered`);
    expect((await maestro(address, 'list', '--namespace', namespace, '--state', 'running')).code).toBe(0);
  });

  it('then a run succeeds with the orchestrator and the node worker as their own processes', async () => {
    const workers: Spawned[] = [];
    try {
      const orchestrator = spawnMaestro(['worker', '--orchestrator', '--address', address]);
      workers.push(orchestrator);
      workers.push(await startNodeWorkerProcess({ node: 'macpro51', address }));
      await waitFor('the orchestrator to poll', () => orchestrator.stderr().includes('"msg":"workers polling"'), 90_000);
      const r = await maestro(address, 'run', planFile, '--wait');
      expectNoStack(r);
      expect(r.code).toBe(0);
      const status = await maestro(address, 'list', '--json');
      expect(status.out).toContain('"succeeded"');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  }, 180_000);

  it('a node worker told to stop (SIGTERM, as systemctl stop) lets its running step finish', async () => {
    const started = join(dir, 'started');
    const finished = join(dir, 'finished');
    const slowPlan = join(dir, 'slow.yaml');
    writeFileSync(
      slowPlan,
      [
        'apiVersion: maestro/v1',
        `name: ${uniqueSuffix('grace')}`,
        'services:',
        '  api:',
        '    node: macpro51',
        '    steps:',
        `      - { name: slow, run: [/bin/sh, -c, "touch ${started}; sleep 3; touch ${finished}"], retry: { maxAttempts: 1 } }`,
        '',
      ].join('\n'),
    );
    const orchestrator = spawnMaestro(['worker', '--orchestrator', '--address', address]);
    try {
      const node = await startNodeWorkerProcess({ node: 'macpro51', address });
      await waitFor('the orchestrator to poll', () => orchestrator.stderr().includes('"msg":"workers polling"'), 90_000);
      const run = maestro(address, 'run', slowPlan, '--wait');
      await waitFor('the step to start', () => existsSync(started), 60_000);
      node.child.kill('SIGTERM');
      const exit = await node.exited;
      // The worker waited for the step instead of cancelling it.
      expect(existsSync(finished)).toBe(true);
      expect(exit.code).toBe(0);
      expect((await run).code).toBe(0);
    } finally {
      await orchestrator.stop();
    }
  }, 180_000);
});
