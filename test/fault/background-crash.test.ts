import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BackgroundCheckHeartbeat } from '../../activities';
import { analysisActivityPrefix } from '../../workflows/ids';
import { progressQuery } from '../../workflows/messages';
import { HEARTBEAT_TIMEOUT_MS } from '../../workflows/step-runner';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, startNodeWorkerProcess, type Spawned } from '../helpers/processes';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startRun } from '../helpers/runs';
import { startDevServer } from '../helpers/temporal-env';
import { waitFor } from '../helpers/wait-for';

// macpro51's node worker is a real `maestro worker` process, killed with SIGKILL while a background
// check it runs probes a real Prometheus; the orchestrator and macbook-air run in this process.
let env: TestWorkflowEnvironment;
let cluster: TestCluster;
let exporter: Server;
let prometheus: TestPrometheus;

beforeAll(async () => {
  await ensureBuilt();
  env = await startDevServer();
  cluster = await startCluster(env, { nodes: ['macbook-air'] });
  exporter = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE app_error_ratio gauge\napp_error_ratio{service="api"} 0.01\n'));
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  prometheus = await startPrometheus([`127.0.0.1:${(exporter.address() as AddressInfo).port}`]);
  await prometheus.targetsUp();
  await waitFor('the first sample', async () => (await prometheus.query('app_error_ratio')).length === 1, 30_000, 200);
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter?.close(resolve));
  await killSpawned();
  await cluster?.shutdown();
  await env?.teardown();
});

/** The background check's pending activity on the run: its attempt and its last heartbeat. */
async function pendingCheck(runId: string): Promise<{ attempt: number; beat?: BackgroundCheckHeartbeat } | undefined> {
  const description = await env.client.workflow.getHandle(runId).describe();
  const pending = description.raw.pendingActivities?.find((a) => a.activityId?.startsWith(analysisActivityPrefix('api', 'error-rate')));
  if (!pending) return undefined;
  const [beat] = await decodeArrayFromPayloads(env.client.options.loadedDataConverter, pending.heartbeatDetails?.payloads);
  return { attempt: pending.attempt ?? 1, beat: beat as BackgroundCheckHeartbeat | undefined };
}

describe('a node worker killed with SIGKILL while its background check runs', () => {
  let worker: Spawned | undefined;
  afterEach(async () => {
    await worker?.kill9();
  });

  it('is retried on the restarted node, going on from its last heartbeat, and the run ends as the check says', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const release = join(dir, 'release');
    const first = await startNodeWorkerProcess({ node: 'macpro51', address: env.address, env: process.env });
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'background-crash',
        defaults: { retry: { maxAttempts: 1 } },
        services: {
          api: {
            node: 'macpro51',
            steps: [{ name: 'deploy', run: logStep(log), undo: logStep(log) }],
            analysis: [{ name: 'error-rate', prometheus: { url: prometheus.url, query: 'max(app_error_ratio)', failureCondition: '> 0.05' }, interval: '200ms', failures: 3 }],
          },
          web: { node: 'macbook-air', dependsOn: ['api'], steps: [{ name: 'soak', run: logStep(log, `while [ ! -e '${release}' ]; do sleep 0.05; done`) }] },
        },
      }),
    );
    const run = await startRun(env, plan);
    await waitFor('ten probes of the background check', async () => ((await pendingCheck(run.runId))?.beat?.probes ?? 0) >= 10);
    await first.kill9();
    // The dead attempt's last heartbeat: nothing can add to it now.
    const before = (await pendingCheck(run.runId))!.beat!;
    worker = await startNodeWorkerProcess({ node: 'macpro51', address: env.address, env: process.env });
    // The retry heartbeats counts that go on from the dead attempt's, not from zero.
    const after = await waitFor(
      'the retried attempt to heartbeat',
      async () => {
        const p = await pendingCheck(run.runId);
        return p && p.attempt >= 2 && p.beat && p.beat.probes !== before.probes && p;
      },
      HEARTBEAT_TIMEOUT_MS + 30_000,
      100,
    );
    expect(after.beat!.probes).toBeGreaterThan(before.probes);
    expect((await run.handle.query(progressQuery)).analyses?.[0]?.state).toBe('running');
    writeFileSync(release, '');
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    // Without a window it ends with the run: stopped, not passed.
    expect(progress.analyses?.[0]?.state).toBe('stopped');
    expect(logLines(log)).toEqual(['api deploy do macpro51', 'web soak do macbook-air']);
  });
});
