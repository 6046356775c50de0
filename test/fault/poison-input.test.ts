import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { serviceWorkflowId } from '../../workflows/ids';
import { planFrom } from '../helpers/plans';
import { retainedHeapBytes } from '../helpers/retained-heap';
import { startRun } from '../helpers/runs';
import { startDevServer } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';

/**
 * Poison input against lowered server limits: payloads of at most 64 KiB (Temporal's default is
 * 2 MiB). That is still above every payload Maestro makes itself — a bounded output tail
 * (4 KiB), a failure message quoting 10 lines (≤ ~10 KiB) — and far below the poison.
 */
const LOWERED_LIMITS = ['--dynamic-config-value', 'limit.blobSize.error=65536', '--dynamic-config-value', 'limit.blobSize.warn=32768'];
const BLOB_LIMIT = 65_536;
/** Temporal's default `limit.historyCount.error`. */
const MAX_HISTORY_EVENTS = 51_200;

let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started), { server: () => startDevServer({ extraArgs: LOWERED_LIMITS }) });

/** Sizes of every payload in a history, largest first. */
function payloadSizes(history: temporal.api.history.v1.IHistory): number[] {
  const sizes: number[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    if ('data' in value && 'metadata' in value) {
      const p = value as { data?: Uint8Array; metadata?: Record<string, Uint8Array> };
      sizes.push((p.data?.length ?? 0) + Object.values(p.metadata ?? {}).reduce((n, v) => n + v.length, 0));
      return;
    }
    Object.values(value).forEach(walk);
  };
  walk(history);
  return sizes.sort((a, b) => b - a);
}

const TEN_MB = 10 * 1024 * 1024;
const sh = (script: string) => ['/bin/sh', '-c', script];

describe('poison input (payloads limited to 64 KiB)', () => {
  it('commands printing 10 MB each: the run neither fails on a payload limit nor keeps the output in memory', async () => {
    const heapBefore = retainedHeapBytes();
    const p = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'ten-megabytes',
        strategy: { onFailure: 'continue' },
        defaults: { retry: { maxAttempts: 2, initialInterval: '100ms' } },
        services: {
          lines: { steps: [{ name: 'print', run: sh(`head -c ${TEN_MB} /dev/zero | tr '\\0' 'x' | fold -w 100; echo; echo last line`) }] },
          'one-line': { steps: [{ name: 'print', run: sh(`head -c ${TEN_MB} /dev/zero | tr '\\0' 'y'`) }] },
          failing: { steps: [{ name: 'print', run: sh(`head -c ${TEN_MB} /dev/zero | tr '\\0' 'z' | fold -w 5000; exit 1`) }] },
        },
      }),
    );
    const run = await startRun(env, p);
    const { outcome, progress } = await run.finished();
    const heapGrowth = retainedHeapBytes() - heapBefore;

    expect(outcome.services).toEqual({ lines: 'succeeded', 'one-line': 'succeeded', failing: 'failed' });
    expect(progress.services.lines?.steps[0]?.lastLine).toBe('last line');
    expect(progress.services['one-line']?.steps[0]?.lastLine).toMatch(/^…y{1024}$/);
    const failed = progress.services.failing?.steps[0];
    expect(failed).toMatchObject({ state: 'failed', attempts: 2 });
    expect(failed?.error).toMatch(/^failing\/print exited with code 1; last output:\n…z{1024}\n/);
    expect(failed?.error?.length).toBeLessThan(12 * 1024);
    // 30 MB went through the worker; what stays in history is a few KiB per step.
    for (const service of ['lines', 'one-line', 'failing']) {
      const history = await env.client.workflow.getHandle(serviceWorkflowId(run.runId, service)).fetchHistory();
      expect(payloadSizes(history)[0]).toBeLessThan(BLOB_LIMIT / 2);
    }
    // The worker ran in this process: 30 MB kept anywhere would show here.
    expect(heapGrowth).toBeLessThan(25 * 1024 * 1024);
  }, 60_000);

  it('a run of many services stays far from the history limit (100 here; 5,000 is beyond this machine’s test budget)', async () => {
    const count = 100;
    const services = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`s${i}`, { ...(i >= 25 ? { dependsOn: [`s${i - 25}`] } : {}), steps: [{ name: 'x', run: ['true'] }] }]),
    );
    const p = planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name: 'many', strategy: { maxParallel: 25, mode: 'dag' }, services }));
    const run = await startRun(env, p);
    const { outcome } = await run.finished();
    expect(outcome.state).toBe('succeeded');

    const { historyLength } = await run.handle.describe();
    const eventsPerService = historyLength / count;
    expect(eventsPerService).toBeLessThan(6);
    // The parent's history grows linearly: 5,000 services would still fit.
    expect(eventsPerService * 5_000).toBeLessThan(MAX_HISTORY_EVENTS);
    expect(payloadSizes(await run.handle.fetchHistory())[0]).toBeLessThan(BLOB_LIMIT);
  }, 90_000);
});
