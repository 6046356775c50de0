import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { routeServices } from '../../plan/routing';
import type { RunProgress } from '../../workflows/progress';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { startDevServer, uniqueSuffix } from '../helpers/temporal-env';
import { maestro } from '../helpers/cli';
import { waitFor } from '../helpers/wait-for';

// Two linux nodes with the same roles; only `up` has a worker until the last test starts one for `down`.
const down = uniqueSuffix('down');
const up = uniqueSuffix('up');
const nodes = {
  [down]: { os: 'linux', arch: 'x64', roles: ['fault', 'only-down'] },
  [up]: { os: 'linux', arch: 'x64', roles: ['fault'] },
};

let env: TestWorkflowEnvironment;
let cluster: TestCluster;
let clusterFile: string;

beforeAll(async () => {
  env = await startDevServer();
  cluster = await startCluster(env, { nodes: [up] });
  clusterFile = join(tempDir(), 'maestro.cluster.yaml');
  writeFileSync(clusterFile, JSON.stringify({ nodes }));
}, 120_000);

afterAll(async () => {
  await cluster?.shutdown();
  await env?.teardown();
});

function plan(name: string, services: Record<string, unknown>, onFailure = 'rollback') {
  return planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name, nodes, strategy: { nodeTimeout: '2s', onFailure }, defaults: { retry: { maxAttempts: 1 } }, services }));
}

const steps = (log: string, ...names: string[]) => names.map((name) => ({ name, run: logStep(log), undo: logStep(log) }));

const cli = (...args: string[]) => maestro(env.address, ...args);

describe('a node whose worker does not poll (nodeTimeout 2s)', () => {
  it('`maestro nodes` and the run’s status say which node is down; a step with `requires` moves to another matching node', async () => {
    const nodesReport = await cli('nodes', '--cluster', clusterFile, '--json');
    expect(nodesReport.code).toBe(1);
    expect((JSON.parse(nodesReport.out) as { down: string[] }).down).toEqual([down]);

    const log = join(tempDir(), 'log');
    const run = await startRun(env, plan('moves', { svc: { requires: { roles: ['fault'] }, steps: steps(log, 'one', 'two') } }));
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toEqual([`svc one do ${up}`, `svc two do ${up}`]);
    expect(progress.services.svc).toMatchObject({ node: up, nodesDown: [down] });
    const status = await cli('status', run.runId, '--json');
    expect((JSON.parse(status.out) as RunProgress).services.svc?.nodesDown).toEqual([down]);
  });

  it('a service pinned to it fails, and the run follows onFailure (rollback)', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('pinned', {
      first: { node: up, steps: steps(log, 'x') },
      pinned: { node: down, dependsOn: ['first'], steps: steps(log, 'x') },
    });
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('rolled-back');
    expect(logLines(log)).toEqual([`first x do ${up}`, `first x undo ${up}`]);
    expect(progress.services.pinned).toMatchObject({ state: 'failed', nodesDown: [down] });
    expect(progress.services.pinned?.error).toContain(`no node left to run pinned/x: ${down} down`);
    expect(progress.services.first?.state).toBe('rolled-back');
  });

  it('a service no other node can run fails with "no node left", and the run follows onFailure (continue)', async () => {
    const log = join(tempDir(), 'log');
    const p = plan(
      'none-left',
      {
        other: { requires: { roles: ['fault'] }, steps: steps(log, 'x') },
        special: { requires: { roles: ['only-down'] }, steps: steps(log, 'x') },
      },
      'continue',
    );
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('failed');
    expect(progress.services.other?.state).toBe('succeeded');
    expect(progress.services.special).toMatchObject({ state: 'failed', nodesDown: [down] });
    expect(progress.services.special?.error).toMatch(new RegExp(`no node left to run special/x: ${down} down`));
  });

  it('services that start after a node was found down try it last instead of waiting for it again', async () => {
    const log = join(tempDir(), 'log');
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const p = plan('remembers', Object.fromEntries(names.map((name, i) => [name, { requires: { roles: ['fault'] }, ...(i ? { dependsOn: [names[i - 1]] } : {}), steps: steps(log, 'x') }])));
    // Routing spreads services over both nodes, so several of the chain prefer the one that is down.
    const routes = routeServices(p);
    const preferDown = names.filter((name) => routes[name]?.[0] === down);
    expect(preferDown.length).toBeGreaterThanOrEqual(2);

    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('succeeded');
    const [first, ...later] = preferDown;
    expect(progress.services[first!]).toMatchObject({ node: up, nodesDown: [down] });
    for (const name of later) expect(progress.services[name]).toMatchObject({ node: up, nodesDown: [] });
    expect(logLines(log)).toEqual(names.map((name) => `${name} x do ${up}`));
  });

  it('once its worker is back, the steps of a new run route to it again', async () => {
    await cluster.startNode(down);
    // The new worker shows once it has polled.
    const nodesReport = await waitFor(`${down} to show as up`, async () => {
      const report = JSON.parse((await cli('nodes', '--cluster', clusterFile, '--json')).out) as { down: string[] };
      return report.down.length === 0 && report;
    });
    expect(nodesReport.down).toEqual([]);

    const log = join(tempDir(), 'log');
    const run = await startRun(env, plan('back', { svc: { requires: { roles: ['fault'] }, steps: steps(log, 'one', 'two') } }));
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    expect(logLines(log)).toEqual([`svc one do ${down}`, `svc two do ${down}`]);
    expect(progress.services.svc).toMatchObject({ node: down, nodesDown: [] });
  });
});
