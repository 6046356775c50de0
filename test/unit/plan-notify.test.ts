import { parseClusterText } from '../../plan';
import { NOTIFY_EVENTS } from '../../plan/notify';
import { body } from '../../activities/notify';
import { HEADER, errorsOf, planOf } from './plan-fixtures';

const SERVICES = 'services:\n  a: { steps: [{ name: s, wait: 1s }] }\n';

describe('notify: in the plan and the cluster file', () => {
  test('a plan without notify has no notify field (its normalized form, signature and histories unchanged)', () => {
    expect('notify' in planOf(`${HEADER}${SERVICES}`)).toBe(false);
  });

  test('defaults: JSON format, every event, given up after an hour', () => {
    const plan = planOf(`${HEADER}notify:\n  webhooks:\n    - webhook: { fromEnv: SLACK_URL }\n      format: slack\n      on: [run-failed, gate-opened]\n    - webhook: http://127.0.0.1:9/hook\n${SERVICES}`);
    expect(plan.notify).toEqual({
      targets: [
        // Events in the order a run reaches them, whatever the order written.
        { kind: 'webhook', url: { fromEnv: 'SLACK_URL' }, format: 'slack', events: ['gate-opened', 'run-failed'] },
        { kind: 'webhook', url: 'http://127.0.0.1:9/hook', format: 'json', events: [...NOTIFY_EVENTS] },
      ],
      giveUpAfterMs: 3_600_000,
    });
  });

  test('mistakes are named at their place: an unknown event, a URL that is not http(s), a bad variable name', () => {
    const errors = errorsOf(`${HEADER}notify:\n  giveUpAfter: soon\n  webhooks:\n    - webhook: ftp://x/y\n      on: [gate-open]\n    - webhook: { fromEnv: 1BAD }\n${SERVICES}`);
    expect(errors.map((e) => [e.path, e.line])).toEqual([
      ['notify.giveUpAfter', 4],
      ['notify.webhooks[0].webhook', 6],
      ['notify.webhooks[0].on[0]', 7],
      ['notify.webhooks[1].webhook.fromEnv', 8],
    ]);
    expect(errors[1]!.message).toContain('{ fromEnv: NAME }');
  });

  test("the cluster file's webhooks come first, then the plan's; the plan's giveUpAfter wins", () => {
    const cluster = parseClusterText('nodes:\n  n1: { os: linux, arch: x64 }\nnotify:\n  giveUpAfter: 5m\n  webhooks: [{ webhook: { fromEnv: TEAM_HOOK }, format: slack }]\n');
    if (!cluster.ok) throw new Error('cluster file should be valid');
    const plan = planOf(`${HEADER}notify:\n  giveUpAfter: 10m\n  webhooks: [{ webhook: http://127.0.0.1:9/plan }]\nservices:\n  a: { node: n1, steps: [{ name: s, wait: 1s }] }\n`, cluster.plan);
    expect(plan.notify?.targets.map((t) => t.url)).toEqual([{ fromEnv: 'TEAM_HOOK' }, 'http://127.0.0.1:9/plan']);
    expect(plan.notify?.giveUpAfterMs).toBe(600_000);
    const planOnlyCluster = planOf(`${HEADER}services:\n  a: { node: n1, steps: [{ name: s, wait: 1s }] }\n`, cluster.plan);
    expect(planOnlyCluster.notify).toEqual({ targets: [expect.objectContaining({ url: { fromEnv: 'TEAM_HOOK' } })], giveUpAfterMs: 300_000 });
  });

  test('the Slack body is a text carrying the command; the JSON body is the notification itself', () => {
    const notification = { id: 'r/@notify/x/1-gate-opened', event: 'gate-opened' as const, runId: 'r', plan: 'p', state: 'awaiting-approval' as const, at: '2026-01-01T00:00:00.000Z', text: 'p (run r): gate wave-2 is open. Approve with `maestro approve r --as NAME --wave 2`' };
    expect(body('slack', notification)).toEqual({ text: notification.text });
    expect(body('json', notification)).toBe(notification);
  });
});
