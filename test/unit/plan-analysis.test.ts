import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ISSUE_CODES } from '../../plan';
import { parsePlanText } from '../../plan/parse';
import { analysesHoldRun, analysisAction, analysisEndsAt, decisionSubject } from '../../plan/analysis';
import { planFrom } from '../helpers/plans';
import { HEADER, errorsOf } from './plan-fixtures';

const PROM = 'prometheus: { url: "http://prom:9090", query: "max(err)", failureCondition: "> 0.05" }';

describe('background checks in the plan (services.<name>.analysis)', () => {
  test('normalize to a check (successes 1) with a window, or ending with the run', () => {
    const plan = planFrom(`${HEADER}services:
  api:
    steps: [{ name: deploy, run: "true" }]
    analysis:
      - { name: bake, ${PROM}, interval: 30s, failures: 5, for: 10m }
      - { name: watch, tcp: "127.0.0.1:80" }
`);
    const [bake, watch] = plan.services[0]!.analysis!;
    expect(bake).toEqual({
      name: 'bake',
      until: { kind: 'window', forMs: 600_000 },
      check: { kind: 'prometheus', prometheus: { url: 'http://prom:9090', query: 'max(err)', condition: { failure: { op: '>', value: 0.05 } }, inconclusive: 'pause' }, successes: 1, failures: 5, intervalMs: 30_000, timeoutMs: 600_000 },
    });
    expect(watch).toMatchObject({ name: 'watch', until: { kind: 'run-end' }, check: { kind: 'tcp', tcp: '127.0.0.1:80', failures: 3, intervalMs: 1_000 } });
    // Plans without background checks stay as they were (signatures, histories).
    expect('analysis' in planFrom(`${HEADER}services:\n  api: { steps: [{ name: a, wait: 1s }] }\n`).services[0]!).toBe(false);
  });

  test('errors are located: no target, two conditions, a duplicate name, wait without a window, a step-only field', () => {
    const errors = errorsOf(`${HEADER}services:
  api:
    steps: [{ name: deploy, run: "true" }]
    analysis:
      - { name: a }
      - { name: a, prometheus: { url: "http://prom:9090", query: q, successCondition: "< 1", failureCondition: "> 2" } }
      - { name: b, prometheus: { url: "http://prom:9090", query: q, failureCondition: "> 2", inconclusive: wait } }
      - { name: c, tcp: "h:1", timeout: 5s }
`);
    expect(errors.map((e) => [e.path, e.code, e.line])).toEqual(
      expect.arrayContaining([
        ['services.api.analysis[0]', ISSUE_CODES.checkTarget, 7],
        ['services.api.analysis[1].name', ISSUE_CODES.duplicateStep, 8],
        ['services.api.analysis[1].prometheus', ISSUE_CODES.checkTarget, 8],
        ['services.api.analysis[2].prometheus.inconclusive', ISSUE_CODES.checkTarget, 9],
        ['services.api.analysis[3].timeout', ISSUE_CODES.unknownKey, 10],
      ]),
    );
    expect(errors.find((e) => e.path === 'services.api.analysis[2].prometheus.inconclusive')?.hint).toContain('for: 10m');
  });
});

test('examples/background-analysis.yaml rolls back on an error rate above 5 % for 5 minutes', () => {
  const file = join(__dirname, '../../examples/background-analysis.yaml');
  const result = parsePlanText(readFileSync(file, 'utf8'), { file, baseDir: dirname(file) });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  expect(result.plan.strategy.onFailure).toBe('rollback');
  const [analysis] = result.plan.services.find((s) => s.name === 'api')!.analysis!;
  expect(analysis).toMatchObject({ until: { kind: 'window', forMs: 30 * 60_000 }, check: { kind: 'prometheus', failures: 5, intervalMs: 60_000, prometheus: { condition: { failure: { op: '>', value: 0.05 } } } } });
});

describe('what the run does about a background check (plan/analysis.ts)', () => {
  const failed = { kind: 'failed', error: 'bad' } as const;
  const unsure = { kind: 'inconclusive', error: 'empty' } as const;

  test('a failure follows onFailure; inconclusive under pause asks a person whatever onFailure says', () => {
    expect(analysisAction(failed, 'pause', 'rollback')).toBe('rollback');
    expect(analysisAction(failed, undefined, 'pause')).toBe('decide');
    expect(analysisAction(failed, 'pause', 'continue')).toBe('record');
    expect(analysisAction(unsure, 'pause', 'rollback')).toBe('decide');
    expect(analysisAction(unsure, 'pause', 'continue')).toBe('decide');
    expect(analysisAction(unsure, 'wait', 'rollback')).toBe('rollback');
  });

  test('a window ends by itself and holds the run; a check without one ends with it', () => {
    expect(analysisEndsAt(1_000, { kind: 'window', forMs: 500 })).toBe(1_500);
    expect(analysisEndsAt(1_000, { kind: 'run-end' })).toBeUndefined();
    expect(analysesHoldRun([{ until: { kind: 'run-end' } }])).toBe(false);
    expect(analysesHoldRun([{ until: { kind: 'run-end' } }, { until: { kind: 'window', forMs: 1 } }])).toBe(true);
    expect(analysesHoldRun([])).toBe(false);
  });

  test('a decision names the background check it is about', () => {
    expect(decisionSubject({ service: 'api' })).toBe('api');
    expect(decisionSubject({ service: 'api', analysis: 'error-rate' })).toBe('background check api/error-rate');
  });
});
