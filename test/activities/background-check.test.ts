import { FAILURE_TYPES, type BackgroundCheckHeartbeat, type RunBackgroundCheckInput } from '../../activities';
import type { CheckSpec } from '../../plan/types';
import { context, failureOf, harness } from '../fixtures/activity-harness';

/** The background check activity on its own: its window, and a retry that goes on where a dead worker stopped. */
const refused: CheckSpec = { kind: 'tcp', tcp: '127.0.0.1:9', successes: 1, failures: 2, intervalMs: 50, timeoutMs: 60_000 };
const input = (check: CheckSpec, endsAt?: number): RunBackgroundCheckInput => ({ check, context: { ...context, step: 'watch' }, ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }) });

it('fails, not retryable, after `failures` bad probes in a row, with its counts in the details', async () => {
  const failure = await failureOf(harness().runBackgroundCheck(input(refused)));
  expect([failure.type, failure.nonRetryable]).toEqual([FAILURE_TYPES.checkFailed, true]);
  expect(failure.details?.[0]).toMatchObject({ probes: 2, bad: 2 });
});

it('a retry after a worker crash goes on from the last heartbeat: the counts carry over', async () => {
  const resumed: BackgroundCheckHeartbeat = { probes: 41, bad: 1, unsure: 0, lastObservation: 'earlier', lastInconclusive: false };
  const failure = await failureOf(harness({}, { attempt: 2, heartbeatDetails: resumed }).runBackgroundCheck(input(refused)));
  // One more bad probe was enough: the one before the crash still counts.
  expect(failure.details?.[0]).toMatchObject({ probes: 42, bad: 2 });
});

it('passes once its window has ended without `failures` bad probes in a row', async () => {
  const h = harness();
  const heartbeats: unknown[] = [];
  h.env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const good: CheckSpec = { kind: 'tcp', tcp: '127.0.0.1:9', successes: 1, failures: 1_000, intervalMs: 50, timeoutMs: 60_000 };
  const result = await h.runBackgroundCheck(input(good, Date.now() + 300));
  expect(result.probes).toBeGreaterThan(1);
  expect(heartbeats.length).toBeGreaterThan(0);
});
