import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { EXIT } from '../../client/exit-codes';
import type { DoraReport } from '../../client/run/dora';
import type { RunReport } from '../../client/run/report';
import type { RunSummary } from '../../client/run/list';
import type { RunProgress } from '../../workflows/progress';
import { planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { uniqueSuffix } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';
import { maestro } from '../helpers/cli';
import { waitFor } from '../helpers/wait-for';

// One dev server and one cluster for the file; every run has its own plan name, so filters see only it.
let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started));

/** `maestro <args>` against the test server, its stdout parsed as JSON. */
async function maestroJson<T>(...args: string[]): Promise<{ code: number; value: T }> {
  const { code, out } = await maestro(env.address, ...args);
  return { code, value: JSON.parse(out) as T };
}

/** A shell step that waits for `file` to exist, so the test decides when it moves on. */
const afterFile = (file: string, then: string) => `while [ ! -e '${file}' ]; do sleep 0.05; done; ${then}`;

describe('connection', () => {
  it('an unreachable server fails with exit 4 naming the address, within seconds', async () => {
    const started = Date.now();
    const { code, err } = await maestro('127.0.0.1:1', 'status', 'x');
    expect(code).toBe(EXIT.unreachable);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toContain('127.0.0.1:1');
  });

  it('an unknown run id says so, exit 2', async () => {
    const { code, err } = await maestro(env.address, 'watch', 'no-such-run');
    expect(code).toBe(EXIT.invalidInput);
    expect(err).toContain('no run with id "no-such-run"');
  });

  it('a zero or malformed --interval is invalid input, exit 2, naming the flag', async () => {
    for (const interval of ['0ms', '0s', 'often']) {
      const { code, err } = await maestro(env.address, 'watch', 'no-such-run', '--interval', interval);
      expect(code).toBe(EXIT.invalidInput);
      expect(err).toContain(`--interval: `);
      expect(err).not.toContain('no run with id');
    }
  });
});

describe('watch on a pipe', () => {
  it('prints one line per event of a run with a gate and a rollback, in order, and the same state when attached again', async () => {
    const dir = tempDir();
    const [relA, relB, relUndo] = ['a', 'b', 'undo'].map((f) => join(dir, f)) as [string, string, string];
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: uniqueSuffix('watch'),
        defaults: { retry: { maxAttempts: 1 } },
        approvals: { gates: [{ beforeWave: 2 }] },
        services: {
          A: { node: 'macpro51', steps: [{ name: 'deploy', run: afterFile(relA, 'echo deployed A'), undo: afterFile(relUndo, 'echo undid A') }] },
          B: { node: 'macbook-air', dependsOn: ['A'], steps: [{ name: 'migrate', run: afterFile(relB, 'echo boom >&2; exit 3') }] },
        },
      }),
    );
    const run = await startRun(env, plan);
    const out = memoryOutput();
    // In process, to read its output while it runs.
    const watching = runCli(['watch', run.runId, '--interval', '100ms', '--address', env.address], out);
    const text = () => out.stdout.map((l) => l.slice(9)); // drop the hh:mm:ss stamp
    const saw = (re: RegExp) => () => text().some((l) => re.test(l));

    await waitFor('A running', saw(/^\[wave 1\] A: running on macpro51$/));
    writeFileSync(relA, '');
    await waitFor('the gate', saw(/^gate wave-2: open/));
    expect((await maestro(env.address, 'approve', run.runId, '--as', 'ops-lead', '--wave', '2', '--comment', 'go')).code).toBe(EXIT.ok);
    await waitFor('B running', saw(/^\[wave 2\] B: running on macbook-air$/));
    writeFileSync(relB, '');
    await waitFor('the rollback', saw(/^run .*: rolling-back$/));
    writeFileSync(relUndo, '');
    expect(await watching).toBe(EXIT.runFailed);

    const lines = text();
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      if (i < 0) throw new Error(`no line matches ${re}:\n${lines.join('\n')}`);
      return i;
    };
    const order = [
      at(new RegExp(`^run ${run.runId} \\(plan ${plan.name}\\): running, 2 services in 2 waves$`)),
      at(/^\[wave 1\] A: running on macpro51$/),
      at(/^\[wave 1\] A\/deploy: succeeded — deployed A$/),
      at(/^\[wave 1\] A: succeeded in /),
      at(new RegExp(`^gate wave-2: open — approve: maestro approve ${run.runId} --as NAME --wave 2$`)),
      at(/^ops-lead: approve wave-2 via update \(go\)$/),
      at(/^gate wave-2: approved by ops-lead$/),
      at(/^\[wave 2\] B: running on macbook-air$/),
      at(/^\[wave 2\] B\/migrate: failed: .*3/),
      at(/^\[wave 2\] B: failed in .*: B\/migrate failed/),
      at(/^\[wave 1\] A: rolled-back in /),
      at(new RegExp(`^run ${run.runId}: rolled-back after .*: B/migrate failed`)),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(at(/^run .*: rolling-back$/)).toBeLessThan(at(/^\[wave 1\] A: rolled-back/));
    expect(lines[lines.length - 1]).toMatch(/: rolled-back after /);
    // Each change is told once.
    expect(lines.filter((l) => /A: succeeded/.test(l))).toHaveLength(1);

    // Attaching again (as after a killed CLI) tells the same final state.
    const again = await maestro(env.address, 'watch', run.runId);
    expect(again.code).toBe(EXIT.runFailed);
    const replay = again.out.split('\n').map((l) => l.slice(9));
    expect(replay[0]).toMatch(/: rolled-back, 2 services in 2 waves$/);
    expect(replay).toEqual(expect.arrayContaining([expect.stringMatching(/^\[wave 1\] A: rolled-back/), expect.stringMatching(/^\[wave 2\] B: failed/)]));
    expect(replay[replay.length - 1]).toBe(lines[lines.length - 1]);

    // status and report of the same run, as JSON.
    const status = await maestroJson<RunProgress>('status', run.runId, '--json');
    expect(status.value.state).toBe('rolled-back');
    expect(status.value.services.A?.state).toBe('rolled-back');
    const report = await maestroJson<RunReport>('report', run.runId, '--format', 'json');
    expect(report.code).toBe(EXIT.ok);
    expect(report.value).toMatchObject({ runId: run.runId, state: 'rolled-back', rollbacks: { services: ['A'], undoneSteps: ['A/deploy'] } });
    expect(report.value.services.map((s) => [s.name, s.outcome])).toEqual([
      ['A', 'rolled-back'],
      ['B', 'failed'],
    ]);
    expect(report.value.approvals).toEqual([expect.objectContaining({ gate: 'wave-2', state: 'approved', approvals: [expect.objectContaining({ approver: 'ops-lead', comment: 'go' })] })]);
    expect(report.value.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'approve', target: 'wave-2', accepted: true })]);
    expect(report.value.criticalPath?.planned.services).toEqual(['A', 'B']);
    expect(report.value.durationMs).toBeGreaterThan(0);
  });
});

describe('list, report and delivery figures over real runs', () => {
  it('3 succeeded and 1 rolled back: change failure rate 0.25, restored by the next success', async () => {
    const name = uniqueSuffix('dora');
    const plan = (fail: boolean) =>
      planFrom(
        JSON.stringify({
          apiVersion: 'maestro/v1',
          name,
          defaults: { retry: { maxAttempts: 1 } },
          services: {
            db: { node: 'macpro51', steps: [{ name: 'migrate', run: 'echo migrated', undo: 'echo unmigrated' }] },
            api: { dependsOn: ['db'], steps: [{ name: 'deploy', run: fail ? 'exit 1' : 'echo deployed' }] },
          },
        }),
      );
    const ids: string[] = [];
    for (const fail of [false, false, true, false]) {
      const run = await startRun(env, plan(fail));
      ids.push(run.runId);
      expect((await run.finished()).outcome.state).toBe(fail ? 'rolled-back' : 'succeeded');
    }

    const listed = await waitFor('visibility to show the 4 closed runs', async () => {
      const { value } = await maestroJson<RunSummary[]>('list', '--plan', name, '--json');
      return value.length === 4 && value.every((r) => r.closedAt) && value;
    });
    expect(Object.fromEntries(listed.map((r) => [r.runId, r.state]))).toEqual({ [ids[0]!]: 'succeeded', [ids[1]!]: 'succeeded', [ids[2]!]: 'rolled-back', [ids[3]!]: 'succeeded' });
    const rolledBack = await maestroJson<RunSummary[]>('list', '--plan', name, '--state', 'rolled-back', '--json');
    expect(rolledBack.value.map((r) => r.runId)).toEqual([ids[2]]);

    const { code, value: dora } = await maestroJson<DoraReport>('report', '--since', '1d', '--plan', name, '--json');
    expect(code).toBe(EXIT.ok);
    expect(dora.runs).toEqual({ total: 4, succeeded: 3, failed: 1, excluded: 0, open: 0 });
    expect(dora.changeFailureRate).toBe(0.25);
    expect(dora.deploymentFrequency.deployments).toBe(3);
    expect(dora.deploymentFrequency.perDay).toBeCloseTo(3, 5);
    expect(dora.leadTime.samples).toBe(3);
    const byId = new Map(listed.map((r) => [r.runId, r]));
    const restore = Date.parse(byId.get(ids[3]!)!.closedAt!) - Date.parse(byId.get(ids[2]!)!.closedAt!);
    expect(dora.timeToRestore).toMatchObject({ restored: 1, unrestored: 0, samples: [restore] });

    const md = await maestro(env.address, 'report', '--since', '1d', '--plan', name);
    expect(md.code).toBe(EXIT.ok);
    expect(md.out).toMatch(/\| change failure rate \| 25\.0% \|/);
  });
});
