import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAILURE_TYPES, type RunCheckInput } from '../../activities';
import type { CheckStep } from '../../plan/types';
import { context, failureOf, harness } from '../fixtures/activity-harness';
import { planFrom } from '../helpers/plans';
import { killSpawned } from '../helpers/processes';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { waitFor } from '../helpers/wait-for';

// A metric check against a real Prometheus scraping a small exporter whose error ratio the test sets.
let exporter: Server;
let errorRatio = 0.01;
let prometheus: TestPrometheus;

beforeAll(async () => {
  exporter = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# TYPE app_error_ratio gauge\napp_error_ratio{service="api"} ${errorRatio}\n`);
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  prometheus = await startPrometheus([`127.0.0.1:${(exporter.address() as AddressInfo).port}`]);
  await prometheus.targetsUp();
  await waitFor('the first sample', async () => (await prometheus.query('app_error_ratio')).length === 1, 30_000, 200);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter?.close(resolve));
  await killSpawned();
});

/** The check as a plan declares it, through the schema and normalization. */
function checkInput(prom: string, probe = 'successes: 2, failures: 2, interval: 300ms, timeout: 5s'): RunCheckInput {
  const plan = planFrom(`apiVersion: maestro/v1\nname: p\nservices:\n  api:\n    steps:\n      - name: analysis\n        check: { prometheus: { url: "${prometheus.url}", ${prom} }, ${probe} }\n`);
  return { check: (plan.services[0]!.steps[0] as CheckStep).check, context };
}

async function setRatio(ratio: number): Promise<void> {
  errorRatio = ratio;
  await waitFor(`Prometheus to see ratio ${ratio}`, async () => (await prometheus.query('app_error_ratio'))[0]?.value === ratio, 15_000, 200);
}

it('passes while every value meets the condition, showing the resolved query and the values', async () => {
  await setRatio(0.01);
  const result = await harness().runCheck(checkInput('query: "max(app_error_ratio)", failureCondition: "> 0.05"'));
  expect(result.probes).toBe(2);
  expect(result.lastObservation).toBe('query max(app_error_ratio) = [0.01]: good (bad when any value > 0.05)');
  expect(result.values).toEqual([0.01]);
});

it('fails when the error ratio rises above the threshold', async () => {
  await setRatio(0.2);
  const failure = await failureOf(harness().runCheck(checkInput('query: "max(app_error_ratio)", failureCondition: "> 0.05"')));
  expect(failure.type).toBe(FAILURE_TYPES.checkFailed);
  expect(failure.message).toContain('query max(app_error_ratio) = [0.2]: bad');
  expect(failure.details).toEqual([expect.objectContaining({ query: 'max(app_error_ratio)', values: [0.2] })]);
  const success = await failureOf(harness().runCheck(checkInput('query: "app_error_ratio", successCondition: "<= 0.05"')));
  expect(success.message).toContain('= [0.2]: bad (success when every value <= 0.05)');
  await setRatio(0.01);
});

it('never passes on an empty result: with inconclusive: wait, inconclusive until its timeout, then CheckInconclusive', async () => {
  const failure = await failureOf(harness().runCheck(checkInput('query: "app_no_such_metric", failureCondition: "> 0.05", inconclusive: wait', 'successes: 1, failures: 1, interval: 300ms, timeout: 2s')));
  expect(failure.type).toBe(FAILURE_TYPES.checkInconclusive);
  expect(failure.nonRetryable).toBe(false);
  expect(failure.message).toContain('query app_no_such_metric: empty result (inconclusive)');
  expect((failure.details as Array<{ probes: number }>)[0]!.probes).toBeGreaterThan(1);
});

it('treats a query error as inconclusive too, and as bad when the plan says inconclusive: fail', async () => {
  const waited = await failureOf(harness().runCheck(checkInput('query: "sum(", failureCondition: "> 0.05", inconclusive: wait', 'successes: 1, failures: 1, interval: 300ms, timeout: 2s')));
  expect(waited.type).toBe(FAILURE_TYPES.checkInconclusive);
  expect(waited.message).toMatch(/query sum\(: error: .*parse error/);
  const failed = await failureOf(harness().runCheck(checkInput('query: "app_no_such_metric", failureCondition: "> 0.05", inconclusive: fail', 'successes: 1, failures: 2, interval: 100ms, timeout: 10s')));
  expect(failed.type).toBe(FAILURE_TYPES.checkFailed);
  expect(failed.details).toEqual([expect.objectContaining({ probes: 2 })]);
});

it('by default (inconclusive: pause) ends after `failures` inconclusive probes in a row, not retried: the run asks a person', async () => {
  const failure = await failureOf(harness().runCheck(checkInput('query: "app_no_such_metric", failureCondition: "> 0.05"', 'successes: 1, failures: 3, interval: 100ms, timeout: 30s')));
  expect(failure.type).toBe(FAILURE_TYPES.checkInconclusive);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('query app_no_such_metric: empty result (inconclusive) (3 inconclusive probes in a row)');
  expect(failure.details).toEqual([expect.objectContaining({ probes: 3 })]);
});
