import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { EXIT } from '../../client/exit-codes';
import type { NodesReport } from '../../client/commands/nodes';
import type { ExecResult } from '../../client/render/exec-results';
import type { TestCluster } from '../helpers/cluster';
import { startDevServer } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';
import { logLines, planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { join } from 'node:path';

// An idle worker re-polls when the server ends its long poll (60 s by default): 1 s here, so a
// stopped node shows as down within seconds instead of minutes.
let env: TestWorkflowEnvironment;
let cluster: TestCluster;
let address: string[];

useTestCluster((started) => {
  ({ env, cluster } = started);
  address = ['--address', env.address];
}, { server: () => startDevServer({ extraArgs: ['--dynamic-config-value', 'matching.longPollExpirationInterval="1s"'] }) });

async function cli(args: string[], command: string[] = []) {
  const out = memoryOutput();
  const code = await runCli([...args, ...address, ...(command.length ? ['--', ...command] : [])], out);
  return { code, stdout: out.stdout.join('\n'), stderr: out.stderr.join('\n') };
}

describe('exec', () => {
  it('runs one command on one node through its queue and prints its output', async () => {
    const { code, stdout } = await cli(['exec', '--node', 'macpro51'], ['uname', '-s']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^Linux\nmacpro51: succeeded \(exit 0, \d/);

    const json = await cli(['exec', '--node', 'macbook-air', '--json'], ['echo "$MAESTRO_NODE in $MAESTRO_RUN_ID"']);
    const parsed = JSON.parse(json.stdout) as { runId: string; results: ExecResult[] };
    expect(parsed.runId).toMatch(/^exec-macbook-air-\d{8}T\d{9}Z$/);
    expect(parsed.results).toEqual([expect.objectContaining({ node: 'macbook-air', ok: true, exitCode: 0, outputTail: `macbook-air in ${parsed.runId}` })]);
  });

  it('runs on every node at once with a result table; one failing node makes exit 1', async () => {
    const all = await cli(['exec', '--all', '--json'], ['echo $MAESTRO_NODE']);
    expect(all.code).toBe(EXIT.ok);
    const results = (JSON.parse(all.stdout) as { results: ExecResult[] }).results;
    expect(results.map((r) => [r.node, r.ok, r.outputTail])).toEqual([
      ['mac-studio', true, 'mac-studio'],
      ['macbook-air', true, 'macbook-air'],
      ['macpro51', true, 'macpro51'],
    ]);

    const mixed = await cli(['exec', '--all'], ['echo "on $MAESTRO_NODE"; [ "$MAESTRO_NODE" != macbook-air ]']);
    expect(mixed.code).toBe(EXIT.runFailed);
    const rows = mixed.stdout.split('\n');
    expect(rows[0]).toMatch(/^NODE\s+RESULT\s+EXIT\s+TIME/);
    expect(rows.find((r) => r.startsWith('macbook-air'))).toMatch(/^macbook-air\s+failed\s+1\s/);
    expect(rows.find((r) => r.startsWith('macpro51'))).toMatch(/^macpro51\s+succeeded\s+0\s+\S+\s+on macpro51$/);
  });

  it('refuses an unknown node before starting anything', async () => {
    const { code, stderr } = await cli(['exec', '--node', 'nope'], ['true']);
    expect(code).toBe(EXIT.invalidInput);
    expect(stderr).toContain('unknown node "nope"');
  });
});

describe('nodes', () => {
  it('shows a node whose 8 slots are all busy as up: it polls its liveness queue while its step queue waits for a slot', async () => {
    const log = join(tempDir(), 'log');
    const step = ['/bin/sh', '-c', `echo "$MAESTRO_SERVICE" >> '${log}' && sleep 7`];
    const services = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, { node: 'macpro51', steps: [{ name: 'hold', run: step }] }]));
    const run = await startRun(env, planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name: 'busy', strategy: { mode: 'dag', maxParallel: 10 }, services })));
    await waitFor('8 steps holding the slots of macpro51', () => logLines(log).length >= 8);
    // Past the stale-after window with every slot taken: the step queue has seen no poll since.
    const report = await waitFor('the step queue of macpro51 to go quiet for 4 s', async () => {
      const r = JSON.parse((await cli(['nodes', '--json', '--stale-after', '4s'])).stdout) as NodesReport;
      const macpro51 = r.nodes.find((n) => n.node === 'macpro51')!;
      const lastStepPoll = Math.max(...macpro51.workers.map((w) => Date.parse(w.lastSeen ?? '')));
      return Date.now() - lastStepPoll > 4_000 && r;
    }, 20_000, 250);
    expect(logLines(log)).toHaveLength(8);
    expect(report.down).toEqual([]);
    expect(report.nodes.find((n) => n.node === 'macpro51')?.up).toBe(true);
    expect((await run.finished()).outcome.state).toBe('succeeded');
  }, 60_000);

  it('shows each node up from its pollers, and a node down once its worker stopped', async () => {
    const up = await cli(['nodes', '--json', '--stale-after', '4s']);
    expect(up.code).toBe(EXIT.ok);
    const before = JSON.parse(up.stdout) as NodesReport;
    expect(before.nodes.map((n) => [n.node, n.up])).toEqual([
      ['mac-studio', true],
      ['macbook-air', true],
      ['macpro51', true],
    ]);
    expect(before.orchestrator.up).toBe(true);

    await cluster.stopNode('macbook-air');
    const { code, after } = await waitFor('macbook-air to show as down', async () => {
      const res = await cli(['nodes', '--json', '--stale-after', '4s']);
      const report = JSON.parse(res.stdout) as NodesReport;
      return report.down.length > 0 && { code: res.code, after: report };
    }, 30_000, 250);
    expect(code).toBe(EXIT.runFailed);
    expect(after.down).toEqual(['macbook-air']);
    expect(after.nodes.find((n) => n.node === 'macbook-air')?.lastSeenAgoMs).toBeGreaterThan(4_000);

    const text = await cli(['nodes', '--stale-after', '4s']);
    expect(text.stdout).toMatch(/^macbook-air\s+DOWN\s/m);
    expect(text.stdout).toMatch(/^macpro51\s+up\s/m);
    expect(text.stdout).toContain('down: macbook-air');
  });
});
