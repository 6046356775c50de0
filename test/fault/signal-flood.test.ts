import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { awaitOutcome } from '../../client/run/handle';
import { MAX_REFUSED_AUDIT_ENTRIES } from '../../workflows/handlers';
import { approveSignal, pauseSignal, progressQuery, resumeSignal } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { logStep, planFrom, tempDir } from '../helpers/plans';
import { waitFor } from '../helpers/wait-for';
import { startRun, type StartedRun } from '../helpers/runs';
import { startDevServer } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';

// Floods and garbage on a run's signals, against payloads limited to 64 KiB (see poison-input.test.ts).
const LOWERED_LIMITS = ['--dynamic-config-value', 'limit.blobSize.error=65536', '--dynamic-config-value', 'limit.blobSize.warn=32768'];
const BURST = 1_000;

let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started), { server: () => startDevServer({ extraArgs: LOWERED_LIMITS }) });

function gatedPlan(name: string) {
  const log = join(tempDir(), 'log');
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 1 } },
      approvals: { approvers: ['ops-lead', 'dba'], gates: [{ beforeWave: 2, timeout: '24h' }] },
      services: {
        first: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [{ name: 'x', run: logStep(log), undo: logStep(log) }] },
      },
    }),
  );
}

const untilGateOpen = (run: StartedRun) => waitFor('the gate to open', async () => (await run.handle.query(progressQuery)).gates[0]?.state === 'open');

async function signalEvents(run: StartedRun): Promise<number> {
  const history = await run.handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
}

describe('signal floods and malformed signals', () => {
  it(`${BURST} refused approvals in a burst are all counted, the trail stays bounded, and the real approval still passes`, async () => {
    const run = await startRun(env, gatedPlan('approval-flood'));
    await untilGateOpen(run);
    await Promise.all(
      Array.from({ length: BURST }, (_, i) => run.handle.signal(approveSignal, (i % 2 ? { approver: 42 } : { approver: `intruder-${i}` }) as never)),
    );
    await run.handle.signal(approveSignal, { approver: 'ops-lead', wave: 2 });
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    expect(await signalEvents(run)).toBe(BURST + 1);
    const refused = progress.audit.filter((e) => !e.accepted);
    expect(refused).toHaveLength(MAX_REFUSED_AUDIT_ENTRIES);
    expect(refused.length + (progress.refusedNotRecorded ?? 0)).toBe(BURST);
    expect(progress.audit.filter((e) => e.accepted)).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'approve', via: 'signal' })]);
    expect(progress.gates[0]).toMatchObject({ state: 'approved', decidedBy: 'ops-lead' });
  }, 60_000);

  // Each pause/resume makes the parent bring its running children along; a burst must not pile up
  // pending external signals (the server allows 2,000 per workflow, then fails every workflow task).
  it(`${BURST} pause/resume signals in a burst while services run: the run goes on and loses none`, async () => {
    const release = join(tempDir(), 'release');
    const wait = ['/bin/sh', '-c', `while [ ! -e '${release}' ]; do sleep 0.05; done`];
    const services = Object.fromEntries(['a', 'b', 'c'].map((name) => [name, { steps: [{ name: 'hold', run: wait }, { name: 'then', run: ['true'] }] }]));
    const run = await startRun(env, planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name: 'pause-flood', strategy: { maxParallel: 3 }, services })));
    await waitFor('every service to run', async () => Object.values((await run.handle.query(progressQuery)).services).every((s) => s.state === 'running'));

    await Promise.all(Array.from({ length: BURST }, (_, i) => run.handle.signal(i % 2 ? resumeSignal : pauseSignal, { by: `script-${i}` })));
    await run.handle.signal(resumeSignal, { by: 'ops-lead' });
    writeFileSync(release, '');
    // Either the run ends, or its workflow task keeps failing (a stuck run never ends: do not wait for it).
    const stuck = await waitFor('the run to end or get stuck', async () => {
      const { status, raw } = await run.handle.describe();
      if (status.name !== 'RUNNING') return 'ended';
      return (raw.pendingWorkflowTask?.attempt ?? 0) >= 3 ? 'stuck: its workflow task keeps failing' : undefined;
    }, 60_000, 250);
    expect(stuck).toBe('ended');
    // Not `run.finished()`: with 1,001 audit entries the progress (~100 KiB) is over this server's 64 KiB.
    expect((await awaitOutcome(run.handle)).state).toBe('succeeded');
    expect(await signalEvents(run)).toBe(BURST + 1);
  }, 90_000);

  it('malformed payloads sent with the Temporal CLI are refused and recorded; an oversized one never reaches the run', async () => {
    const run = await startRun(env, gatedPlan('cli-garbage'));
    await untilGateOpen(run);
    const cli = resolveTemporalBinary('cli');
    const signal = (name: string, input?: string) =>
      promisify(execFile)(cli, ['workflow', 'signal', '--address', env.address, '--workflow-id', run.runId, '--name', name, ...(input === undefined ? [] : ['--input', input])], { maxBuffer: 1 << 20 }).then(
        () => 'sent',
        (err: Error & { stderr?: string }) => `failed: ${err.stderr ?? err.message}`,
      );

    const refusedCases: Array<[string, string | undefined]> = [
      ['approve', '{"approver":42}'],
      ['approve', '"ops-lead"'],
      ['approve', undefined],
      ['approve', '{"approver":"ops-lead","wave":"2"}'],
      ['reject', '{"approver":"dba"}'],
      ['decide', '{"action":"explode","approver":"dba"}'],
      ['abort', '{"rollback":"yes"}'],
    ];
    for (const [name, input] of refusedCases) expect(await signal(name, input)).toBe('sent');
    expect(await signal('approve', 'not json')).toMatch(/^failed/);
    expect(await signal('approve', JSON.stringify({ approver: 'dba', comment: 'x'.repeat(100_000) }))).toMatch(/^failed:.*(size|limit)/is);

    const during: RunProgress = await run.handle.query(progressQuery);
    expect(during.state).toBe('awaiting-approval');
    expect(during.gates[0]?.state).toBe('open');
    expect(during.audit.map((e) => [e.action, e.accepted])).toEqual(refusedCases.map(([name]) => [name, false]));
    expect(during.audit.every((e) => /malformed payload/.test(e.reason ?? ''))).toBe(true);
    expect(await signalEvents(run)).toBe(refusedCases.length);

    expect(await signal('approve', '{"approver":"ops-lead","wave":2}')).toBe('sent');
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(progress.audit.at(-1)).toMatchObject({ actor: 'ops-lead', action: 'approve', via: 'signal', accepted: true });
  }, 60_000);
});
