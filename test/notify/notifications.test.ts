import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Notification } from '../../plan/notify';
import { notifyWorkflowId } from '../../workflows/ids';
import type { NotifyResult } from '../../workflows/notify';
import { maestro } from '../helpers/cli';
import { logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun, type StartedRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * Notifications against a real dev server and a real HTTP receiver on 127.0.0.1 that is down
 * (connections refused) for a while: the run goes on meanwhile, the delivery is retried, and a
 * notification sent as the run ends is delivered after the run has closed.
 */
let env: TestWorkflowEnvironment;
let receiver: WebhookReceiver;
/** Filled before the workers start: the orchestrator worker reads `fromEnv` webhook URLs from it. */
const secrets: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  receiver = await WebhookReceiver.reserve();
  secrets.MAESTRO_TEST_SLACK_URL = receiver.url('/slack');
});
useTestCluster((started) => ({ env } = started), { cluster: { secrets } });
afterAll(() => receiver?.down());
afterEach(async () => {
  await receiver.down();
  receiver.status = 200;
});

const cli = (...args: string[]) => maestro(env.address, ...args);

function plan(name: string, options: { gate?: boolean; breaks?: boolean; on?: string[] } = {}) {
  const log = join(tempDir(), 'log');
  const step = (then = 'true') => ({ name: 'x', run: logStep(log, then), undo: logStep(log) });
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      defaults: { retry: { maxAttempts: 1 } },
      notify: {
        webhooks: [
          { webhook: { fromEnv: 'MAESTRO_TEST_SLACK_URL' }, format: 'slack', ...(options.on ? { on: options.on } : {}) },
          { webhook: receiver.url(`/json/${name}`), ...(options.on ? { on: options.on } : {}) },
        ],
      },
      ...(options.gate ? { approvals: { gates: [{ beforeWave: 2 }] } } : {}),
      services: {
        first: { node: 'macpro51', steps: [step()] },
        second: { node: 'macbook-air', dependsOn: ['first'], steps: [step(options.breaks ? 'exit 3' : 'true')] },
      },
    }),
  );
}

/** The notification child of the run's `n`th notification. */
async function child(run: StartedRun, n: number, event: string) {
  const { runId } = await run.handle.describe();
  return env.client.workflow.getHandle<() => Promise<NotifyResult>>(notifyWorkflowId(run.runId, runId, n, event));
}

const jsonEvents = (name: string) => receiver.bodies<Notification>(`/json/${name}`).map((n) => n.event);

describe('notifications (real dev server, real HTTP receiver)', () => {
  it('delivers gate-opened with the approve command after the receiver was down, without holding the run', async () => {
    const run = await startRun(env, plan('notify-gate', { gate: true }));
    // The receiver is down: the gate opens anyway and the delivery is being retried.
    const notify = await child(run, 1, 'gate-opened');
    await waitFor('a refused delivery to be retried', async () => {
      const described = await notify.describe().catch(() => undefined);
      return (described?.raw.pendingActivities?.[0]?.attempt ?? 0) >= 2;
    });
    const pending = (await notify.describe()).raw.pendingActivities?.[0];
    expect(pending?.lastFailure?.message).toContain('ECONNREFUSED');
    expect((await cli('status', run.runId, '--json')).out).toContain('"state": "awaiting-approval"');

    await receiver.up();
    const [slack] = await waitFor('the Slack body', () => receiver.bodies<{ text: string }>('/slack').length > 0 && receiver.bodies<{ text: string }>('/slack'), 60_000);
    expect(slack!.text).toContain(`maestro approve ${run.runId} --as NAME --wave 2`);
    expect(slack!.text).toContain('gate wave-2 is open');
    const [json] = await waitFor('the JSON body', () => receiver.bodies<Notification>('/json/notify-gate').length > 0 && receiver.bodies<Notification>('/json/notify-gate'));
    expect(json).toMatchObject({ event: 'gate-opened', runId: run.runId, plan: 'notify-gate', state: 'awaiting-approval', gate: { id: 'wave-2', wave: 2, approveCommand: `maestro approve ${run.runId} --as NAME --wave 2` } });
    const header = receiver.received.find((r) => r.path === '/json/notify-gate')!.headers;
    expect(header['x-maestro-event']).toBe('gate-opened');
    expect(header['x-maestro-notification-id']).toBe(json!.id);
    await expect(notify.result()).resolves.toEqual<NotifyResult>({ delivered: 2, failed: [] });

    expect((await cli('approve', run.runId, '--as', 'ops', '--wave', '2')).code).toBe(0);
    expect((await run.finished()).outcome.state).toBe('succeeded');
    await waitFor('run-succeeded', () => jsonEvents('notify-gate').includes('run-succeeded'));
    expect(jsonEvents('notify-gate')).toEqual(['gate-opened', 'run-succeeded']);
  });

  it('tells of a rollback as it starts and as it finishes; a run that rolled back is not also "run-failed"', async () => {
    await receiver.up();
    const run = await startRun(env, plan('notify-rollback', { breaks: true }));
    expect((await run.finished()).outcome.state).toBe('rolled-back');
    await waitFor('rollback-finished', () => jsonEvents('notify-rollback').includes('rollback-finished'));
    expect(jsonEvents('notify-rollback').sort()).toEqual(['rollback-finished', 'rollback-started']);
    const started = receiver.bodies<Notification>('/json/notify-rollback').find((n) => n.event === 'rollback-started')!;
    expect(started).toMatchObject({ state: 'rolling-back', failure: expect.stringContaining('second') });
    expect(receiver.bodies<{ text: string }>('/slack').some((b) => b.text.includes('notify-rollback') && b.text.includes('rolled back'))).toBe(true);
  });

  it('delivers the end of a run after the run has closed, when the receiver comes up only then', async () => {
    const run = await startRun(env, plan('notify-late', { on: ['run-succeeded'] }));
    // The run ends at once although nobody receives: the notification's child outlives it.
    expect((await run.finished()).outcome.state).toBe('succeeded');
    const notify = await child(run, 1, 'run-succeeded');
    expect((await notify.describe()).status.name).toBe('RUNNING');
    await receiver.up();
    await expect(notify.result()).resolves.toEqual<NotifyResult>({ delivered: 2, failed: [] });
    expect(jsonEvents('notify-late')).toEqual(['run-succeeded']);
  });

  it('gives up at once on a 4xx answer, naming the webhook without its URL', async () => {
    receiver.status = 404;
    await receiver.up();
    const run = await startRun(env, plan('notify-404', { on: ['run-succeeded'] }));
    expect((await run.finished()).outcome.state).toBe('succeeded');
    const notify = await child(run, 1, 'run-succeeded');
    const result = await notify.result();
    expect(result.delivered).toBe(0);
    expect(result.failed).toEqual([
      `webhook 1: webhook 1 ($MAESTRO_TEST_SLACK_URL) at http://127.0.0.1:${receiver.port} answered 404`,
      `webhook 2: webhook 2 at http://127.0.0.1:${receiver.port} answered 404`,
    ]);
    // One attempt each: no retries for an answer that retrying cannot change.
    expect(receiver.received.filter((r) => r.headers['x-maestro-notification-id'] === notify.workflowId)).toHaveLength(2);
  });
});
