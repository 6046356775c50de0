import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { planFrom } from '../helpers/plans';
import { ensureBuilt, killSpawned, startNodeWorkerProcess, type Spawned } from '../helpers/processes';
import { startRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';

// Issue 16 reported an HTTP check's `timeout` stretched to Temporal's start-to-close timeout
// (the check's timeout + 10 s) when it ran next to a step that ignores SIGTERM. Tried here with
// real processes: a `maestro worker` process against the dev server, commands that trap SIGTERM
// (and a grandchild each) timing out while the check probes an endpoint that never answers.
// It reproduced: the stopping of process groups reads /proc and makes garbage, and Node 20 dropped
// the timeout of the probe's AbortSignal.any([cancel, AbortSignal.timeout()]) when it collected
// it, so the probe of an endpoint that never answers hung (activities/probes.ts deadlineSignal).
let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started), { cluster: { nodes: [] } });

let worker: Spawned;
let server: Server;
let port: number;
beforeAll(async () => {
  await ensureBuilt();
  worker = await startNodeWorkerProcess({ node: 'macpro51', address: env.address });
  // Accepts every request and never answers it.
  server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ({ port } = server.address() as AddressInfo);
}, 120_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await worker?.stop();
  await killSpawned();
});

const CHECK_TIMEOUT_MS = 4_000;

test('an HTTP check next to steps that ignore SIGTERM ends at its own timeout, not at Temporal’s', async () => {
  // Each stubborn step times out after 1 s and then shrugs off SIGTERM for the whole 5 s grace,
  // so the worker is killing process groups for the entire life of the check.
  const stubborn = Object.fromEntries(
    Array.from({ length: 3 }, (_, i) => [`stubborn-${i}`, { node: 'macpro51', steps: [{ name: 'ignore-term', run: "trap '' TERM; sleep 60 & wait", timeout: '1s' }] }]),
  );
  const plan = planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name: 'check-timeout',
      defaults: { retry: { maxAttempts: 1 } },
      strategy: { onFailure: 'continue' },
      services: {
        ...stubborn,
        checked: { node: 'macpro51', steps: [{ name: 'health', check: { http: `http://127.0.0.1:${port}/`, status: 200, failures: 100, interval: '200ms', timeout: `${CHECK_TIMEOUT_MS}ms` } }] },
      },
    }),
  );
  const run = await startRun(env, plan);
  const { progress } = await run.finished();
  const check = progress.services.checked?.steps[0];
  const stretchedTo = CHECK_TIMEOUT_MS + 10_000;
  const tookMs = Date.parse(check?.endedAt ?? '') - Date.parse(check?.startedAt ?? '');
  expect(check?.error).toMatch(new RegExp(`^checked/health: not healthy within ${CHECK_TIMEOUT_MS}ms`));
  expect(tookMs).toBeGreaterThanOrEqual(CHECK_TIMEOUT_MS);
  // Half-way to the start-to-close timeout at most: the check's own deadline ended it.
  expect(tookMs).toBeLessThan((CHECK_TIMEOUT_MS + stretchedTo) / 2);
  for (let i = 0; i < 3; i++) expect(progress.services[`stubborn-${i}`]?.steps[0]?.error).toMatch(/timed out after 1000ms and was stopped/);
}, 90_000);
