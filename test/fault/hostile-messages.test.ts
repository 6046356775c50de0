import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { approveSignal, approveUpdate, pauseSignal, progressQuery } from '../../workflows/messages';
import { gzipBomb } from '../helpers/bombs';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { startDevServer } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

// Messages a hostile client sends, against the server as `maestro dev` configures it (2 MiB messages).
let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started), { server: () => startDevServer() });

function gatedPlan(name: string, log = join(tempDir(), 'log')) {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 1 } },
      approvals: { gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
      },
    }),
  );
}

const untilGateOpen = (run: StartedRun) => waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');

/** A signal with raw payloads, past the client's codecs, as any gRPC client can send it. */
async function rawSignal(run: StartedRun, signalName: string, payloads: Payload[]): Promise<void> {
  await env.client.workflowService.signalWorkflowExecution({
    namespace: env.namespace ?? 'default',
    workflowExecution: { workflowId: run.runId },
    signalName,
    input: { payloads },
    identity: 'hostile',
  });
}

/** The run's workflow task does not keep failing (a stuck run would show attempts piling up). */
async function notStuck(run: StartedRun): Promise<void> {
  const { raw } = await run.handle.describe();
  expect(raw.pendingWorkflowTask?.attempt ?? 1).toBeLessThan(2);
}

describe('hostile messages', () => {
  it('a flood of 1.5 MB refused signals: the run stops and rolls back before Temporal would terminate it', async () => {
    const log = join(tempDir(), 'log');
    const run = await startRun(env, gatedPlan('history-flood', log));
    await untilGateOpen(run);
    const big = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ approver: 'ops-lead', wave: 2, comment: 'x'.repeat(1_500_000) })) };
    // As the probe did (36 × 1.5 MB passed Temporal's 50 MB in 7 s), but stopping once the run reacts.
    let sent = 0;
    for (; sent < 36; sent++) {
      const { status } = await run.handle.describe();
      if (status.name !== 'RUNNING' || (await run.handle.query(progressQuery)).state !== 'awaiting-approval') break;
      await rawSignal(run, 'approve', [big]);
    }
    const { outcome, progress } = await run.finished();
    expect((await run.handle.describe()).status.name).toBe('FAILED');
    expect(outcome.state).toBe('rolled-back');
    expect(progress.failure).toMatch(/history reached \d+ MiB/);
    expect(logLines(log)).toEqual(['first x do macpro51', 'first x undo macpro51']);
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(30);
    expect(progress.refusedNotRecorded ?? 0).toBe(0);
    expect(progress.audit.every((e) => !e.accepted && (e.comment ?? '').length < 3000)).toBe(true);
  }, 180_000);

  it('a signal or an update over the server’s 2 MiB message cap is refused to its sender; the run never sees it', async () => {
    const run = await startRun(env, gatedPlan('message-cap'));
    await untilGateOpen(run);
    // Random bytes in base64 (3.2 MB): the client's gzip codec shrinks them to 6 bits a character, 2.4 MB.
    const comment = randomBytes(2_400_000).toString('base64');
    const signal = await run.handle.signal(approveSignal, { approver: 'ops-lead', wave: 2, comment }).then(() => 'accepted', (err: Error) => `${err.message}: ${String((err.cause as Error | undefined)?.message)}`);
    expect(signal).toMatch(/exceeds? (the )?(size )?limit/i);
    const update = await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', wave: 2, comment }] }).then(() => 'accepted', (err: Error) => String(err.message));
    expect(update).not.toBe('accepted');
    const started = Date.now();
    // Temporal 1.32 admits an oversized update; the worker's rejection carries the request back and
    // is itself too large (TMPRL1103), so the run's workflow task fails until the server drops the
    // update. The run recovers by itself; queries (status) fail meanwhile.
    const progress = await waitFor('the run to answer queries again', () => run.handle.query(progressQuery).catch(() => undefined), 60_000, 250);
    console.log(`oversized update: ${update}; queries answered again after ${Date.now() - started} ms`);
    const events = (await run.handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
    expect(progress.state).toBe('awaiting-approval');
    expect(progress.audit).toEqual([]);
    await notStuck(run);

    // Under the cap a signal reaches the run, which refuses it for its own reason (comment too long):
    // the cap above was the server's, not something smaller on the way.
    await run.handle.signal(approveSignal, { approver: 'ops-lead', wave: 2, comment: comment.slice(0, 2_000_000) });
    const refused = await waitFor('the run to refuse the 2 MB signal', async () => (await run.handle.query(progressQuery)).audit[0]);
    expect(refused).toMatchObject({ action: 'approve', accepted: false, reason: expect.stringContaining('comment') });

    await run.handle.signal(approveSignal, { approver: 'ops-lead', wave: 2 });
    expect((await run.finished()).outcome.state).toBe('succeeded');
  }, 90_000);

  it('a 200 MB gzip bomb as an approve signal is refused and recorded; the worker stays small and the run goes on', async () => {
    const run = await startRun(env, gatedPlan('gzip-bomb'));
    await untilGateOpen(run);
    const bomb = await gzipBomb(200 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    await rawSignal(run, 'approve', [bomb]);
    const refused = await waitFor('the bomb to be refused', async () => (await run.handle.query(progressQuery)).audit.find((e) => !e.accepted));
    // The workers run in this process: inflating the bomb would have cost 200 MB and more.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(refused).toMatchObject({ action: 'approve', via: 'signal', actor: 'unknown', reason: expect.stringMatching(/^undecodable payload: a binary\/gzip payload inflates past/) });
    await notStuck(run);

    await run.handle.signal(approveSignal, { approver: 'ops-lead', wave: 2 });
    expect((await run.finished()).outcome.state).toBe('succeeded');
  }, 90_000);

  it('a refused signal with a 1 MB approver and a thousand unknown fields leaves a small audit entry; status still reads', async () => {
    const run = await startRun(env, gatedPlan('audit-bloat'));
    await untilGateOpen(run);
    const junk = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`field-${i}-${'k'.repeat(200)}`, 1]));
    await run.handle.signal(approveSignal, { approver: 'a'.repeat(1024 * 1024), ...junk } as never);
    await run.handle.signal(pauseSignal, { by: 42 } as never);
    const progress = await waitFor('both refusals', async () => {
      const p = await run.handle.query(progressQuery);
      return p.audit.length >= 2 ? p : undefined;
    });
    expect(JSON.stringify(progress.audit).length).toBeLessThan(4096);
    expect(progress.audit.map((e) => [e.action, e.accepted])).toEqual([
      ['approve', false],
      ['pause', false],
    ]);
    expect(progress.audit[0]?.actor.length).toBeLessThanOrEqual(200);
    // A malformed pause is refused, not obeyed.
    expect(progress.state).toBe('awaiting-approval');

    await run.handle.signal(approveSignal, { approver: 'ops-lead', wave: 2 });
    expect((await run.finished()).outcome.state).toBe('succeeded');
  }, 90_000);
});
