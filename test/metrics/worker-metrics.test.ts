import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../client/exit-codes';
import type { DevServer } from '../../workers/dev-server';
import type { Health } from '../../workers/metrics-server';
import { maestro } from '../helpers/cli';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killServer, killSpawned, type Spawned, spawnMaestro, startServerProcessTracked, untilReady, workersPolling } from '../helpers/processes';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait-for';

// A real Prometheus scrapes `maestro worker --metrics` while a run succeeds in part and rolls back.
let server: DevServer;
let worker: Spawned;
let prometheus: TestPrometheus;
let metricsUrl: string;
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir('maestro-metrics-');
  server = await startServerProcessTracked({ dbFile: join(dir, 'dev.sqlite') });
  // Port 0: the worker binds a port the system picks (a port found free could be taken before it
  // binds it) and logs the endpoint's URL with "workers polling".
  worker = spawnMaestro(['worker', '--orchestrator', '--node', 'macpro51', '--address', server.address, '--metrics', '127.0.0.1:0']);
  await untilReady(worker, 'the workers to poll', workersPolling, 60_000);
  metricsUrl = /"metrics":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(worker.stderr())?.[1] ?? '';
  expect(metricsUrl).not.toBe('');
  prometheus = await startPrometheus([new URL(metricsUrl).host]);
  await prometheus.targetsUp();
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await worker?.stop();
  await killSpawned();
});

async function value(promql: string): Promise<number | undefined> {
  const samples = await prometheus.query(promql);
  return samples[0]?.value;
}

it('serves /healthz: connected, every worker polling, the launcher idle until the first command', async () => {
  const response = await fetch(`${metricsUrl}/healthz`);
  expect(response.status).toBe(200);
  const health = (await response.json()) as Health;
  expect(health).toEqual({
    ok: true,
    connected: true,
    workers: [
      { taskQueue: 'maestro-orchestrator', state: 'RUNNING' },
      { taskQueue: 'maestro-node-macpro51', state: 'RUNNING' },
      { taskQueue: 'maestro-node-macpro51/alive', state: 'RUNNING' },
    ],
    launcher: { state: 'idle', exits: 0 },
  });
});

it("lets Prometheus query Maestro's step counts, the step-duration histogram, runs by state and the SDK's own metrics", async () => {
  const plan = join(dir, 'metrics.yaml');
  writeFileSync(
    plan,
    [
      'apiVersion: maestro/v1',
      'name: metrics-demo',
      'strategy: { onFailure: rollback }',
      'defaults: { retry: { maxAttempts: 1 } }',
      'services:',
      '  api:',
      '    node: macpro51',
      '    steps:',
      '      - { name: one, run: "true", undo: "true" }',
      '      - { name: two, run: "true", undo: "true" }',
      '  db:',
      '    node: macpro51',
      '    dependsOn: [api]',
      '    steps:',
      '      - { name: migrate, run: "exit 3" }',
    ].join('\n'),
  );
  const run = await maestro(server.address, 'run', plan, '--wait');
  expect(run.code).toBe(EXIT.runFailed);

  await waitFor('the rollback to show in Prometheus', async () => (await value('sum(maestro_steps_undone_total)')) === 2, 30_000, 250);
  expect(await value('maestro_steps_succeeded_total{service="api",node="macpro51"}')).toBe(2);
  expect(await value('maestro_steps_succeeded_total{service="db"}')).toBeUndefined();
  expect(await value('maestro_steps_failed_total{service="db",phase="do"}')).toBe(1);
  expect(await value('maestro_steps_undone_total{service="api"}')).toBe(2);
  expect(await value('sum(maestro_steps_started_total)')).toBe(5);
  expect(await value('sum(maestro_step_duration_seconds_count)')).toBe(5);
  expect(await value('sum(maestro_step_duration_seconds_count{outcome="failed"})')).toBe(1);
  await waitFor('runs by state from visibility', async () => (await value('maestro_runs{state="rolled-back"}')) === 1, 30_000, 250);
  expect(await value('maestro_gates_open')).toBe(0);
  expect(await value('maestro_launcher_up')).toBe(1);
  // Core's runtime telemetry, re-served on the same endpoint.
  expect(await value('count({__name__=~"temporal_.+"})')).toBeGreaterThan(5);
  expect(await value('sum(temporal_activity_execution_failed)')).toBeGreaterThanOrEqual(1);
});

it('answers 503 with connected: false once the Temporal server is gone', async () => {
  await killServer(server);
  const health = await waitFor('/healthz to notice', async () => {
    const response = await fetch(`${metricsUrl}/healthz`);
    return response.status === 503 ? ((await response.json()) as Health) : undefined;
  }, 20_000, 250);
  expect(health).toMatchObject({ ok: false, connected: false });
});
