import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunProgress } from '../../workflows/progress';
import { maestro } from '../helpers/cli';
import { planFrom, tempDir } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { ensureBuilt } from '../helpers/processes';
import { useTestCluster } from '../helpers/test-cluster';
import { waitFor } from '../helpers/wait-for';

// `maestro mcp` as an agent starts it (a process on stdio), driven by the SDK's own client,
// against a real dev server and workers.
const ROOT = join(__dirname, '..', '..');
let env: TestWorkflowEnvironment;
const clients: Client[] = [];

useTestCluster((started) => ({ env } = started));

beforeAll(() => ensureBuilt(), 180_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

async function connect(...extra: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(ROOT, 'bin', 'maestro.js'), 'mcp', '--address', env.address, ...extra],
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), LOG_LEVEL: 'warn' },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'maestro-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

type ToolResult = { content: Array<{ type: string; text: string }>; isError?: boolean };
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

function gatedPlan(name: string): string {
  const file = join(tempDir('maestro-mcp-'), `${name}.yaml`);
  writeFileSync(
    file,
    [
      'apiVersion: maestro/v1',
      `name: ${name}`,
      'approvals: { gates: [{ beforeWave: 2 }] }',
      'services:',
      '  db: { node: macpro51, steps: [{ name: migrate, run: "true" }] }',
      '  api: { node: macpro51, dependsOn: [db], steps: [{ name: deploy, run: "true" }] }',
    ].join('\n'),
  );
  return file;
}

it('starts a run, follows it to its gate, and cannot approve it: request-approval hands a person the command', async () => {
  const client = await connect();
  const tools = (await client.listTools()).tools;
  expect(tools.map((t) => t.name).sort()).toEqual(['graph', 'list', 'plan', 'report', 'request-approval', 'run', 'simulate', 'status', 'validate']);
  expect(tools.some((t) => /approve|reject|decide|abort/.test(t.name.replace('request-approval', '')))).toBe(false);
  expect(tools.find((t) => t.name === 'request-approval')!.description).toMatch(/does NOT approve/);

  const file = gatedPlan('mcp-gated');
  const validated = await call(client, 'validate', { plan: file });
  expect(validated).toMatchObject({ isError: false });

  const started = await call(client, 'run', { plan: file });
  expect(started.isError).toBe(false);
  expect(JSON.parse(started.content[0]!.text)).toMatchObject({ runId: 'mcp-gated', started: true });

  const atGate = await waitFor('the run to reach its gate', async () => {
    const status = await call(client, 'status', { id: 'mcp-gated' });
    const progress = JSON.parse(status.content[0]!.text) as RunProgress;
    return progress.state === 'awaiting-approval' ? progress : undefined;
  }, 30_000, 250);
  expect(atGate.gates.find((g) => g.state === 'open')).toMatchObject({ id: 'wave-2' });

  const asked = await call(client, 'request-approval', { id: 'mcp-gated', why: 'db migrated cleanly' });
  expect(asked.isError).toBe(false);
  expect(asked.content[0]!.text).toContain('maestro approve mcp-gated --as NAME --wave 2');
  expect(asked.content[0]!.text).toContain('db migrated cleanly');

  // An argument that looks like a flag is refused before it reaches the CLI.
  const smuggled = await call(client, 'run', { plan: file, id: '--auto-approve' });
  expect(smuggled.isError).toBe(true);
  const unknown = await client.callTool({ name: 'approve', arguments: { id: 'mcp-gated' } }).catch((err: Error) => ({ isError: true, content: [{ type: 'text', text: err.message }] }));
  expect(unknown.isError).toBe(true);

  // Still waiting for a person.
  const after = JSON.parse((await call(client, 'status', { id: 'mcp-gated' })).content[0]!.text) as RunProgress;
  expect(after.state).toBe('awaiting-approval');
  expect(after.gates.find((g) => g.id === 'wave-2')?.approvals).toEqual([]);
});

it('bounds results and turns CLI errors into tool errors', async () => {
  const client = await connect();
  const listed = await call(client, 'list', { limit: 1 });
  expect(listed.isError).toBe(false);
  expect((JSON.parse(listed.content[0]!.text) as unknown[]).length).toBeLessThanOrEqual(1);
  const tooMany = await call(client, 'list', { limit: 500 });
  expect(tooMany.isError).toBe(true);
  const missing = await call(client, 'status', { id: 'no-such-run' });
  expect(missing).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('no run with id "no-such-run"') }] });
});

it('offers only the reading tools with --read-only', async () => {
  const client = await connect('--read-only');
  expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['graph', 'list', 'plan', 'report', 'simulate', 'status', 'validate']);
  const refused = await call(client, 'run', { plan: gatedPlan('mcp-readonly') });
  expect(refused.isError).toBe(true);
});

it('status shows the live changes a person made and a wave held back by a freeze', async () => {
  const now = Date.now();
  const plan = planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name: 'mcp-frozen',
      freezes: [{ from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString(), reason: 'quarter close' }],
      services: { db: { node: 'macpro51', steps: [{ name: 'migrate', run: ['true'] }] } },
    }),
  );
  const run = await startRun(env, plan);
  const client = await connect();
  const status = async () => JSON.parse((await call(client, 'status', { id: run.runId })).content[0]!.text) as RunProgress;
  await waitFor('the freeze to hold wave 1', async () => (await status()).windowWait?.kind === 'freeze');
  expect((await maestro(env.address, 'tune', run.runId, '--as', 'ops-lead', '--max-parallel', '1')).code).toBe(0);

  const seen = await status();
  expect(seen.windowWait).toMatchObject({ wave: 1, kind: 'freeze', reason: 'quarter close', until: new Date(now + 3_600_000).toISOString() });
  expect(seen.tuning).toMatchObject({ maxParallel: 1 });
  expect(seen.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'tune', target: 'max-parallel 1', accepted: true })]);
  await run.handle.terminate('test done');
});
