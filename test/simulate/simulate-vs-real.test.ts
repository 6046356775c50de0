import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { syntheticPlan, syntheticPlanObject, type PlanShape } from '../../bench/synthetic-plan';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import type { Prediction } from '../../client/simulate/prediction';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

// `maestro simulate` against the real thing: the same plans run for real on a dev server with
// real node workers and real commands, then simulated on the time-skipping server.
let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started));

async function simulateCli(file: string, ...flags: string[]): Promise<Prediction> {
  const output = memoryOutput();
  const code = await runCli(['simulate', file, '--json', ...(flags.includes('--address') ? [] : ['--no-history']), ...flags], output);
  expect({ code, err: output.stderr.join('') }).toEqual({ code: 0, err: '' });
  return JSON.parse(output.stdout.join('')) as Prediction;
}

const QUICK_SLEEP = { services: 9, steps: 2, depth: 3, body: 'sleep' } as const;

describe("the bench's sleep plans: predicted makespan within 10 % of the measured run", () => {
  const shapes: PlanShape[] = [
    { ...QUICK_SLEEP, mode: 'dag', maxParallel: 1_000 },
    { ...QUICK_SLEEP, mode: 'waves', maxParallel: 1_000 },
    { ...QUICK_SLEEP, mode: 'dag', maxParallel: 4 },
  ];
  beforeAll(async () => {
    // Fresh workers are slow on their first tasks; the bench warms up the same way before it measures.
    const warmUp = syntheticPlan({ ...QUICK_SLEEP, body: 'noop', mode: 'dag', maxParallel: 1_000 }, tempDir());
    expect((await (await startRun(env, warmUp, { indexed: false })).finished()).outcome.state).toBe('succeeded');
  }, 60_000);

  it.each(shapes)('$mode mode, maxParallel $maxParallel', async (shape) => {
    const dir = tempDir();
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(syntheticPlanObject(shape)));
    const plan = syntheticPlan(shape, dir);

    // The measured makespan is the median of three runs: this machine is shared, and one run can stall.
    const makespans: number[] = [];
    let last = '';
    for (let i = 0; i < 3; i++) {
      const { outcome, progress } = await (await startRun(env, plan)).finished();
      expect(outcome.state).toBe('succeeded');
      makespans.push(Date.parse(progress.endedAt!) - Date.parse(progress.startedAt));
      last = progress.runId;
    }
    const measured = [...makespans].sort((a, b) => a - b)[1]!;
    // Visibility is eventually consistent: simulate learns from the runs the server lists.
    await waitFor('the last run listed as completed', async () => {
      for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${last}' AND ExecutionStatus = 'Completed'` })) return true;
      return false;
    });

    const prediction = await simulateCli(file, '--address', env.address);
    expect(prediction.state).toBe('succeeded');
    expect(prediction.durations).toEqual({ learned: shape.services * shape.steps, plan: 0 });
    expect(Math.abs(prediction.makespan.p50 - measured) / measured).toBeLessThan(0.1);
    // Every service of the plan is on the timeline.
    expect(prediction.makespan.p90).toBeGreaterThanOrEqual(prediction.makespan.p50);
    expect(prediction.waves.flatMap((w) => w.services).every((s) => s.state === 'succeeded' && s.endMs! > s.startMs!)).toBe(true);
    expect(prediction.criticalPath.services).toHaveLength(shape.depth);
  }, 120_000);
});

describe('--fail: the undo order and end state of the real rollback', () => {
  function chainPlan(log: string) {
    const step = (name: string, then = 'true') => ({ name, run: logStep(log, then), undo: logStep(log), estimate: '1s' });
    return {
      apiVersion: 'maestro/v1',
      name: 'simulate-rollback',
      defaults: { retry: { maxAttempts: 1 } },
      strategy: { onFailure: 'rollback' },
      services: {
        db: { node: 'macpro51', steps: [step('schema'), step('data')] },
        api: { node: 'mac-studio', dependsOn: ['db'], steps: [step('deploy'), step('config')] },
        web: { node: 'macbook-air', dependsOn: ['api'], steps: [step('upload'), step('switch', 'exit 7'), step('purge')] },
      },
    };
  }

  it('predicts what the real rollback undoes, in the same order, and how it ends', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const object = chainPlan(log);
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(object));

    const { outcome, progress } = await (await startRun(env, planFrom(JSON.stringify(object), dir), { indexed: false })).finished();
    const realUndo = logLines(log)
      .map((l) => l.split(' '))
      .filter(([, , phase]) => phase === 'undo')
      .map(([service, step, , node]) => `${service}/${step}@${node}`);
    expect(outcome.state).toBe('rolled-back');

    const prediction = await simulateCli(file, '--fail', 'web/switch');
    expect(prediction.undo.map((u) => `${u.service}/${u.step}@${u.node}`)).toEqual(realUndo);
    expect(realUndo).toEqual(['web/upload@macbook-air', 'api/config@mac-studio', 'api/deploy@mac-studio', 'db/data@macpro51', 'db/schema@macpro51']);
    expect(prediction.state).toBe(outcome.state);
    expect(prediction.endState).toEqual(Object.fromEntries(Object.values(progress.services).map((s) => [s.name, s.state])));
  }, 120_000);

  it('a failure only through attempt 1 is retried and the run succeeds', async () => {
    const dir = tempDir();
    const object = { ...chainPlan(join(dir, 'log')), defaults: { retry: { maxAttempts: 2, initialInterval: '1s' } } };
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(object));
    const prediction = await simulateCli(file, '--fail', 'db/data@1');
    expect(prediction.state).toBe('succeeded');
    expect(prediction.undo).toEqual([]);
    expect(prediction.waves[0]!.services[0]!.steps.find((s) => s.name === 'data')).toMatchObject({ state: 'succeeded', attempts: 2 });
  }, 60_000);

  it('an unknown service or step is invalid input (exit 2) naming it', async () => {
    const dir = tempDir();
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(chainPlan(join(dir, 'log'))));
    const output = memoryOutput();
    expect(await runCli(['simulate', file, '--no-history', '--fail', 'web/nope'], output)).toBe(2);
    expect(output.stderr.join('')).toMatch(/--fail web\/nope: service "web" has no step "nope"/);
  });
});
