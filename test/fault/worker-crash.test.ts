import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { serviceWorkflowId } from '../../workflows/ids';
import { HEARTBEAT_TIMEOUT_MS } from '../../workflows/step-runner';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { ensureBuilt, killGroup, killSpawned, spawnMaestro, startNodeWorkerProcess, type Spawned } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';
import { startRun } from '../helpers/runs';
import { startDevServer } from '../helpers/temporal-env';

// The node worker of macpro51 is a real `maestro worker` process, killed with SIGKILL mid-step;
// the orchestrator and the other nodes run in this process.
let env: TestWorkflowEnvironment;
let cluster: TestCluster;

beforeAll(async () => {
  await ensureBuilt();
  env = await startDevServer();
  cluster = await startCluster(env, { nodes: ['mac-studio', 'macbook-air'] });
}, 180_000);

afterAll(async () => {
  await killSpawned();
  await cluster?.shutdown();
  await env?.teardown();
});

/** A step that writes `<attempt> <key> <pgid>` to `markers`, then waits for `release` before it logs its end. */
function blockingStep(dir: string, log: string, name: string) {
  const markers = join(dir, `${name}.markers`);
  const release = join(dir, `${name}.release`);
  const script = `echo "$MAESTRO_ATTEMPT $MAESTRO_IDEMPOTENCY_KEY $$" >> '${markers}'; while [ ! -e '${release}' ]; do sleep 0.05; done; echo "$MAESTRO_SERVICE $MAESTRO_STEP done $MAESTRO_NODE" >> '${log}'`;
  return {
    step: { name, run: ['/bin/sh', '-c', script], undo: logStep(log), retry: { maxAttempts: 3, initialInterval: '100ms', backoff: 1 } },
    markers: () => logLines(markers).map((line) => line.split(' ') as [string, string, string]),
    release: () => writeFileSync(release, ''),
  };
}

function crashPlan(name: string, log: string, migrate: ReturnType<typeof blockingStep>) {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 1 } },
      services: {
        app: { node: 'macpro51', steps: [{ name: 'before', run: logStep(log), undo: logStep(log) }, migrate.step, { name: 'after', run: logStep(log), undo: logStep(log) }] },
        web: { node: 'macbook-air', dependsOn: ['app'], steps: [{ name: 'deploy', run: logStep(log), undo: logStep(log) }] },
      },
    }),
  );
}

describe('a node worker killed with SIGKILL in the middle of a step', () => {
  let worker: Spawned | undefined;

  afterEach(async () => {
    await worker?.kill9();
  });

  it('is noticed within the heartbeat timeout; the step runs again with the same idempotency key; nothing after it runs twice', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const migrate = blockingStep(dir, log, 'migrate');
    const first = await startNodeWorkerProcess({ node: 'macpro51', address: env.address });
    const run = await startRun(env, crashPlan('worker-crash', log, migrate));

    const attempt1 = await waitFor('the first attempt to start', () => migrate.markers()[0]);
    const killedAt = Date.now();
    await first.kill9();
    // The machine went down with it: its command does not survive either.
    killGroup(Number(attempt1[2]));
    worker = await startNodeWorkerProcess({ node: 'macpro51', address: env.address });

    const attempt2 = await waitFor('a second attempt', () => migrate.markers()[1], HEARTBEAT_TIMEOUT_MS + 20_000);
    const noticedAfterMs = Date.now() - killedAt;
    expect(noticedAfterMs).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 5_000);
    // The server gave up on attempt 1 because its heartbeats stopped, not because of the step's 10 min timeout.
    const child = await env.client.workflow.getHandle(serviceWorkflowId(run.runId, 'app')).describe();
    const pending = child.raw.pendingActivities?.[0];
    expect(pending?.attempt).toBe(2);
    expect(pending?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT);

    migrate.release();
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(attempt1[0]).toBe('1');
    expect(attempt2[0]).toBe('2');
    expect(attempt2[1]).toBe(attempt1[1]);
    expect(attempt1[1]).toBe(`${serviceWorkflowId(run.runId, 'app')}/migrate`);
    expect(logLines(log)).toEqual(['app before do macpro51', 'app migrate done macpro51', 'app after do macpro51', 'web deploy do macbook-air']);
    expect(progress.services.app?.steps.find((s) => s.name === 'migrate')?.attempts).toBe(2);
  }, 90_000);
});

describe('`maestro watch` killed and started again', () => {
  let worker: Spawned | undefined;

  afterEach(async () => {
    await worker?.kill9();
  });

  /** The (kind, subject, state) of every JSON event a watch printed, `end` excluded. */
  const events = (watch: Spawned) =>
    watch
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { kind: string; subject?: string; state?: string })
      .filter((e) => e.kind !== 'end')
      .map((e) => `${e.kind} ${e.subject ?? '-'} ${e.state ?? '-'}`);

  it('re-attaches to the same run and shows the same state, then follows it to its end', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const migrate = blockingStep(dir, log, 'migrate');
    worker = await startNodeWorkerProcess({ node: 'macpro51', address: env.address });
    const run = await startRun(env, crashPlan('cli-crash', log, migrate));
    await waitFor('the step to start', () => migrate.markers()[0]);

    const watchArgs = ['watch', run.runId, '--address', env.address, '--json', '--interval', '200ms'];
    const firstWatch = spawnMaestro(watchArgs);
    await waitFor('watch to see the running step', () => events(firstWatch).includes('step app/migrate running'), 30_000);
    const seen = events(firstWatch);
    await firstWatch.kill9();

    const secondWatch = spawnMaestro(watchArgs);
    await waitFor('the second watch to catch up', () => events(secondWatch).includes('step app/migrate running'), 30_000);
    expect(events(secondWatch)).toEqual(seen);
    expect(seen).toEqual(['run - running', 'step app/before succeeded', 'step app/migrate running', 'service app running']);

    migrate.release();
    const exit = await secondWatch.exited;
    expect(exit.code).toBe(0);
    const end = JSON.parse(secondWatch.stdout().trim().split('\n').pop()!) as { kind: string; runId: string; state: string };
    expect(end).toMatchObject({ kind: 'end', runId: run.runId, state: 'succeeded' });
    expect(logLines(log).filter((l) => l.includes('migrate'))).toHaveLength(1);
  }, 90_000);
});
