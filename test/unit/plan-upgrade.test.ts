import type { NormalizedPlan } from '../../plan/types';
import { upgradePlan } from '../../plan/upgrade';
import { loadScenarios } from '../histories/recorded';
import { HEADER, planOf } from './plan-fixtures';

/** The deployment input recorded in a scenario's first history (plain JSON: only the encrypted scenario is sealed). */
function recordedPlan(scenario: string): NormalizedPlan {
  const recorded = loadScenarios().find((s) => s.scenario === scenario)!;
  const history = recorded.workflows[0]!.history as { events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: Array<{ data: string }> } } }> };
  const data = history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!.data;
  return (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { plan: NormalizedPlan }).plan;
}

describe('plans recorded before gates and checks had a kind', () => {
  test('a recorded wave gate and TCP check come back in today\'s shape, nothing else changed', () => {
    const approval = recordedPlan('approval');
    expect(approval.approvals.gates[0]).not.toHaveProperty('kind');
    expect(upgradePlan(approval).approvals.gates).toEqual([{ kind: 'wave', beforeWave: 2, timeoutMs: 86_400_000, onTimeout: 'reject', minApprovals: 1 }]);

    const success = recordedPlan('success');
    const upgraded = upgradePlan(success);
    const listening = upgraded.services[0]!.steps[1]!;
    expect(listening).toMatchObject({ kind: 'check', check: { kind: 'tcp', tcp: expect.stringMatching(/^127\.0\.0\.1:\d+$/), successes: 1, failures: 3 } });
    expect(listening.kind === 'check' && 'status' in listening.check).toBe(false);
    // The steps that needed nothing are the same objects.
    expect(upgraded.services[1]).toBe(success.services[1]);
  });

  test('a recorded HTTP check and a service gate', () => {
    const legacy = JSON.parse(JSON.stringify(planOf(`${HEADER}services:\n  a: { steps: [{ name: s, wait: 1s }] }\n`))) as { services: Array<Record<string, unknown>> };
    legacy.services[0]!.approval = { service: 'a', timeoutMs: 1000, onTimeout: 'approve', minApprovals: 2 };
    legacy.services[0]!.steps = [{ name: 'h', kind: 'check', check: { http: 'http://127.0.0.1:1/', status: 204, bodyIncludes: 'ok', successes: 1, failures: 1, intervalMs: 5, timeoutMs: 50 }, timeoutMs: 50, retry: { maxAttempts: 1, initialIntervalMs: 1, backoff: 1 }, env: {}, cwd: '/', estimateMs: 50 }];
    const service = upgradePlan(legacy as unknown as NormalizedPlan).services[0]!;
    expect(service.approval).toEqual({ kind: 'service', service: 'a', timeoutMs: 1000, onTimeout: 'approve', minApprovals: 2 });
    expect(service.steps[0]).toMatchObject({ check: { kind: 'http', http: 'http://127.0.0.1:1/', status: 204, bodyIncludes: 'ok' } });
  });

  test('a plan parsed today is returned as it is', () => {
    const plan = planOf(`${HEADER}approvals: { gates: [{ beforeWave: 2 }] }
services:
  a: { steps: [{ name: h, check: { http: "http://127.0.0.1:1/" } }] }
  b: { dependsOn: [a], approval: {}, steps: [{ name: s, wait: 1s }] }
`);
    expect(upgradePlan(plan)).toBe(plan);
  });
});
