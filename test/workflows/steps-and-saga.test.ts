import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { isAlive } from '../fixtures/activity-harness';
import { useTestCluster } from '../helpers/test-cluster';
import { maestro } from '../helpers/cli';
import { waitFor } from '../helpers/wait-for';

const SECRET = 'pa55-w0rd-that-must-never-leak';
let env: TestWorkflowEnvironment;

useTestCluster((started) => ({ env } = started), { cluster: { secrets: { MAESTRO_TEST_DB_PASSWORD: SECRET } } });

const once = { maxAttempts: 1 };
const plan = (name: string, services: Record<string, unknown>) =>
  planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name, defaults: { retry: once }, services }));

describe('steps, checks and the saga (real dev server)', () => {
  it('cancelling a run kills a hanging command’s process group and undoes what was done', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const pids = join(dir, 'pids');
    // The hanging step starts a grandchild and waits: both must die with the group.
    const hang = `sleep 600 & echo "$$ $!" > '${pids}'; wait`;
    const run = await startRun(
      env,
      plan('cancel', { a: { node: 'macpro51', steps: [{ name: 'one', run: logStep(log), undo: logStep(log) }, { name: 'hang', run: logStep(log, hang), undo: logStep(log) }] } }),
    );
    await waitFor('the hanging step to start', () => existsSync(pids) && readFileSync(pids, 'utf8').trim().split(' ').length === 2);
    const [shell, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(isAlive(grandchild)).toBe(true);

    await run.handle.cancel();
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('aborted');
    expect(isAlive(shell)).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
    expect(logLines(log)).toEqual(['a one do macpro51', 'a hang do macpro51', 'a one undo macpro51']);
    expect(progress.services.a?.state).toBe('cancelled');
  });

  it('a check that never turns healthy fails after `failures` consecutive bad probes', async () => {
    let probes = 0;
    const server: Server = createServer((_req, res) => {
      probes++;
      res.writeHead(503).end('starting');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const p = plan('unhealthy', {
        a: { node: 'mac-studio', steps: [{ name: 'health', check: { http: `http://127.0.0.1:${port}/health`, status: 200, failures: 3, interval: '50ms', timeout: '30s' } }] },
      });
      const { outcome, progress } = await (await startRun(env, p)).finished();

      expect(outcome.state).toBe('rolled-back');
      expect(probes).toBe(3);
      expect(progress.services.a?.error).toMatch(/503/);
    } finally {
      server.close();
    }
  });

  it('an undo that keeps failing ends the run rollback-incomplete, naming it', async () => {
    const log = join(tempDir(), 'log');
    const p = plan('undo-fails', {
      a: { node: 'macpro51', steps: [{ name: 'x', run: logStep(log), undo: ['/bin/sh', '-c', 'echo cannot restore >&2; exit 4'] }] },
      b: { node: 'macbook-air', dependsOn: ['a'], steps: [{ name: 'y', run: logStep(log, 'exit 1') }] },
    });
    const { outcome, progress } = await (await startRun(env, p)).finished();

    expect(outcome.state).toBe('rollback-incomplete');
    expect(progress.rollbackFailures).toEqual([{ service: 'a', step: 'x', error: expect.stringMatching(/exit.*4/) }]);
    expect(progress.services.a?.state).toBe('rollback-failed');
    expect(progress.services.a?.steps[0]).toMatchObject({ state: 'undo-failed', undoError: expect.stringMatching(/cannot restore/) });
  });

  it('a fromEnv secret reaches the command but never the workflow history', async () => {
    const dir = tempDir();
    const seen = join(dir, 'seen');
    const p = plan('secret', {
      a: {
        node: 'macpro51',
        steps: [{ name: 'use', run: ['/bin/sh', '-c', `printf %s "$DB_PASSWORD" > '${seen}'; echo "connected with $DB_PASSWORD"`], env: { DB_PASSWORD: { fromEnv: 'MAESTRO_TEST_DB_PASSWORD' } } }],
      },
    });
    const run = await startRun(env, p);
    const { outcome, progress } = await run.finished();

    expect(outcome.state).toBe('succeeded');
    expect(readFileSync(seen, 'utf8')).toBe(SECRET);
    expect(progress.services.a?.steps[0]?.lastLine).toBe('connected with ***');
    for (const id of [run.runId, `${run.runId}/a`]) {
      const history = await env.client.workflow.getHandle(id).fetchHistory();
      const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      expect(raw).toContain('MAESTRO_TEST_DB_PASSWORD');
      expect(raw).not.toContain(SECRET);
    }
  });

  it('a second `maestro run` of an open run is refused (exit 3), naming the run', async () => {
    const dir = tempDir();
    const release = join(dir, 'release');
    const planFile = join(dir, 'locked.yaml');
    writeFileSync(
      planFile,
      JSON.stringify({ apiVersion: 'maestro/v1', name: 'locked', services: { a: { steps: [{ name: 'wait', run: ['/bin/sh', '-c', `while [ ! -e '${release}' ]; do sleep 0.05; done`] }] } } }),
    );
    const cli = (...args: string[]) => maestro(env.address, ...args);
    const id = `locked-${Date.now()}`;
    expect((await cli('run', planFile, '--id', id)).code).toBe(0);
    const second = await cli('run', planFile, '--id', id);
    expect(second.code).toBe(3);
    expect(second.err).toContain(`run "${id}" is already open`);

    writeFileSync(release, '');
    expect((await cli('status', id, '--json')).code).toBe(0);
    await env.client.workflow.getHandle(id).result();
  });

  it('`maestro run` starts a plan too large to index its services by name, and indexes a small one', async () => {
    const dir = tempDir();
    const write = (name: string, count: number) => {
      const services = Object.fromEntries(Array.from({ length: count }, (_, i) => [`service-${String(i).padStart(4, '0')}`, { steps: [{ name: 'pause', wait: '1ms' }] }]));
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'maestro/v1', name, services }));
      return file;
    };
    const cli = (...args: string[]) => maestro(env.address, ...args);
    const small = `small-${Date.now()}`;
    const large = `large-${Date.now()}`;
    expect((await cli('run', write('small', 3), '--id', small, '--wait')).code).toBe(0);
    // 300 names are ~5 KiB, over Temporal's 2 KiB limit for one search attribute value.
    expect((await cli('run', write('large', 300), '--id', large)).code).toBe(0);

    const services = async (id: string) => (await env.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(SEARCH_ATTRIBUTES.services);
    expect(await services(small)).toEqual(['service-0000', 'service-0001', 'service-0002']);
    expect(await services(large)).toBeUndefined();
    // Started is what this is about; 300 services at maxParallel 4 need not run to the end here.
    await env.client.workflow.getHandle(large).terminate('test done');
  });
});
