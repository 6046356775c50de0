import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec, maestroDataConverter } from '../../connection/codec';
import { startCodecServer, type CodecServer } from '../../workers/codec-server';
import { PortInUseError, type DevServer } from '../../workers/dev-server';
import { serviceUndoWorkflowId, serviceWorkflowId } from '../../workflows/ids';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logStep, planFrom, tempDir } from '../helpers/plans';
import { connectTarget, ensureBuilt, freePort, killSpawned, spawnMaestro, startNodeWorkerProcess, startServerProcessTracked, type Spawned } from '../helpers/processes';
import { startRun } from '../helpers/runs';
import { waitFor } from '../helpers/wait-for';
import { abortSignal, progressQuery } from '../../workflows/messages';

// Encrypted payloads (MAESTRO_PAYLOAD_KEY) end to end: the server with its Web UI and codec
// endpoint, macpro51's worker as a `maestro worker` process (its logs captured), the CLI as processes.
const SECRET = `s3cr3t-${randomBytes(6).toString('hex')}`;
const ARGV_MARKER = `argv-marker-${randomBytes(4).toString('hex')}`;
const FAILURE_MARKER = `failure-marker-${randomBytes(4).toString('hex')}`;
/** A secret whose URL-encoded form differs from itself. */
const URL_SECRET = `p@ss/w:rd+${randomBytes(6).toString('hex')}`;
const keyEnv = { MAESTRO_PAYLOAD_KEY: randomBytes(32).toString('base64') };
const codec = new AesGcmPayloadCodec(Buffer.from(keyEnv.MAESTRO_PAYLOAD_KEY, 'base64'));
const dataConverter = maestroDataConverter(keyEnv);

let server: DevServer;
let codecServer: CodecServer;
let uiPort: number;
let target: Awaited<ReturnType<typeof connectTarget>>;
let cluster: TestCluster;
let worker: Spawned;

beforeAll(async () => {
  await ensureBuilt();
  // The codec endpoint allows the Web UI's origin, so the UI port is chosen before the server
  // starts; should another process take it first, a fresh one and an endpoint for it (5 tries).
  for (let attempt = 1; ; attempt++) {
    uiPort = await freePort();
    codecServer = await startCodecServer({ codecs: [codec], uiOrigins: [`http://127.0.0.1:${uiPort}`] });
    try {
      server = await startServerProcessTracked({ uiPort, headless: false, dbFile: join(tempDir('maestro-db-'), 'dev.sqlite'), uiCodecEndpoint: codecServer.url });
      break;
    } catch (err) {
      await codecServer.close();
      if (!(err instanceof PortInUseError && err.port === uiPort) || attempt >= 5) throw err;
    }
  }
  target = await connectTarget(server.address, dataConverter);
  cluster = await startCluster(target, { nodes: ['mac-studio', 'macbook-air'], dataConverter });
  worker = await startNodeWorkerProcess({ node: 'macpro51', address: server.address, env: { ...keyEnv, DB_PASSWORD: SECRET, URL_SECRET, LOG_LEVEL: 'debug' } });
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await cluster?.shutdown();
  await target?.close();
  await server?.stop();
  await codecServer?.close();
  await killSpawned();
});

/** Every text in a history: strings, and payload bytes as UTF-8 — after `codec` decoded them, if given. */
async function historyText(history: temporal.api.history.v1.IHistory, decodeWith?: PayloadCodec): Promise<string> {
  const parts: string[] = [];
  const walk = async (value: unknown): Promise<void> => {
    if (typeof value === 'string') parts.push(value);
    else if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) for (const item of value) await walk(item);
    else if (value && typeof value === 'object') {
      if ('data' in value && 'metadata' in value && decodeWith) {
        const [decoded] = await decodeWith.decode([value as Payload]);
        await walk(Object.values(decoded?.metadata ?? {}));
        return walk(decoded?.data);
      }
      for (const item of Object.values(value)) await walk(item);
    }
  };
  await walk(history);
  return parts.join('\n');
}

async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawnMaestro([...args, '--address', server.address], keyEnv);
  const { code } = await proc.exited;
  return { code, out: proc.stdout() };
}

describe('secrets and payload encryption', () => {
  it('a fromEnv value is in no history, log, query result or report; with a key, history holds no plaintext argv or failure message', async () => {
    const env = { DB_PASSWORD: { fromEnv: 'DB_PASSWORD' } };
    const log = join(tempDir(), 'log');
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'secrets',
        defaults: { retry: { maxAttempts: 1 } },
        services: {
          api: { node: 'macbook-air', steps: [{ name: 'deploy', run: logStep(log), undo: logStep(log) }] },
          db: {
            node: 'macpro51',
            dependsOn: ['api'],
            steps: [
              { name: 'migrate', env, run: ['/bin/sh', '-c', `echo "${ARGV_MARKER} connecting with $DB_PASSWORD"; echo "as $DB_PASSWORD" >&2`], undo: ['/bin/sh', '-c', 'echo "undo with $DB_PASSWORD"'] },
              { name: 'verify', env, run: ['/bin/sh', '-c', `echo "${FAILURE_MARKER}: $DB_PASSWORD rejected"; exit 3`] },
            ],
          },
        },
      }),
    );
    const run = await startRun(target, plan);
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('rolled-back');
    // The output was seen, redacted.
    expect(progress.services.db?.steps[0]?.lastLine).toBe('undo with ***');
    expect(progress.services.db?.steps[1]?.error).toContain(`${FAILURE_MARKER}: *** rejected`);

    const ids = [run.runId, serviceWorkflowId(run.runId, 'api'), serviceWorkflowId(run.runId, 'db'), serviceUndoWorkflowId(run.runId, 'api')];
    const histories = await Promise.all(ids.map((id) => target.client.workflow.getHandle(id).fetchHistory()));
    const raw = (await Promise.all(histories.map((h) => historyText(h)))).join('\n');
    const decoded = (await Promise.all(histories.map((h) => historyText(h, codec)))).join('\n');

    // Decoded, the history tells what ran and why it failed — yet never the secret.
    expect(decoded).toContain(ARGV_MARKER);
    expect(decoded).toContain(FAILURE_MARKER);
    expect(decoded).not.toContain(SECRET);
    // As the server stores it: ciphertext only, failure messages included.
    expect(raw).not.toContain(ARGV_MARKER);
    expect(raw).not.toContain(FAILURE_MARKER);
    expect(raw).not.toContain(SECRET);
    expect(raw).toContain('Encoded failure');

    const status = await cli('status', run.runId, '--json');
    const reportMd = await cli('report', run.runId);
    const reportJson = await cli('report', run.runId, '--format', 'json');
    expect(status.out).toContain(FAILURE_MARKER);
    expect(reportJson.out).toContain(FAILURE_MARKER);
    for (const text of [status.out, reportMd.out, reportJson.out, JSON.stringify(progress)]) expect(text).not.toContain(SECRET);

    // The worker logged the commands and their failure at debug level, redacted.
    expect(worker.stderr()).toContain('command failed');
    expect(worker.stderr()).not.toContain(SECRET);
  }, 90_000);

  it('every step of a run redacts every fromEnv value of the plan, also URL-encoded and base64; no command sees the payload key', async () => {
    const print = `const e = process.env, b = (s) => Buffer.from(s || ''); console.log(['plain ' + e.DB_PASSWORD, 'url ' + encodeURIComponent(e.URL_SECRET), 'b64 ' + b(e.DB_PASSWORD).toString('base64'), 'b64url ' + b(e.URL_SECRET).toString('base64url'), 'key ' + (e.MAESTRO_PAYLOAD_KEY || 'none')].join('\\n')); process.exit(1)`;
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'secret-forms',
        defaults: { retry: { maxAttempts: 1 } },
        services: {
          // This step declares no secret, yet prints both from the worker's environment.
          leaky: { node: 'macpro51', steps: [{ name: 'print', run: [process.execPath, '-e', print] }] },
          declares: { node: 'macpro51', dependsOn: ['leaky'], steps: [{ name: 'use', env: { A: { fromEnv: 'DB_PASSWORD' }, B: { fromEnv: 'URL_SECRET' } }, run: ['true'] }] },
        },
      }),
    );
    const run = await startRun(target, plan);
    const { progress } = await run.finished();
    const error = progress.services.leaky?.steps[0]?.error ?? '';
    expect(error.split('\n').slice(1)).toEqual(['plain ***', 'url ***', 'b64 ***', 'b64url ***', 'key none']);
    const forms = [SECRET, URL_SECRET, encodeURIComponent(URL_SECRET), Buffer.from(SECRET).toString('base64'), Buffer.from(URL_SECRET).toString('base64url'), keyEnv.MAESTRO_PAYLOAD_KEY];
    const decoded = await historyText(await target.client.workflow.getHandle(serviceWorkflowId(run.runId, 'leaky')).fetchHistory(), codec);
    for (const text of [JSON.stringify(progress), decoded, worker.stderr()]) for (const form of forms) expect(text).not.toContain(form);

    // `maestro exec -- env`, counted: the worker's environment, without the payload key.
    const exec = spawnMaestro(['exec', '--node', 'macpro51', '--address', server.address, '--', 'env | grep -c ^MAESTRO_PAYLOAD_KEY= ; env | grep -c ^URL_SECRET='], keyEnv);
    expect((await exec.exited).code).toBe(0);
    expect(exec.stdout()).toMatch(/^0\n1$/m);
  }, 90_000);

  it('the Web UI is told the codec endpoint, which decodes what the server stores', async () => {
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(settings.Codec?.Endpoint).toBe(codecServer.url);

    const run = await startRun(target, planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name: 'ui-codec', services: { a: { node: 'mac-studio', steps: [{ name: 'x', run: ['echo', ARGV_MARKER] }] } } })));
    await run.finished();
    const history = await target.client.workflow.getHandle(run.runId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const wire = { metadata: Object.fromEntries(Object.entries(input?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(input!.data!).toString('base64') };
    const res = await fetch(`${codecServer.url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${uiPort}`, 'X-Namespace': 'default' }, body: JSON.stringify({ payloads: [wire] }) });
    const [payload] = ((await res.json()) as { payloads: Array<{ data: string }> }).payloads;
    expect(Buffer.from(wire.data, 'base64').toString()).not.toContain(ARGV_MARKER);
    expect(Buffer.from(payload!.data, 'base64').toString()).toContain(ARGV_MARKER);
  }, 60_000);

  it('status of an encrypted run from a client without the key, or with another key, says so: exit 2, a hint, no stack trace', async () => {
    const log = join(tempDir(), 'log');
    const gated = (name: string) =>
      planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name, approvals: { gates: [{ beforeWave: 2, timeout: '24h' }] }, services: { a: { node: 'mac-studio', steps: [{ name: 'x', run: logStep(log) }] }, b: { node: 'mac-studio', dependsOn: ['a'], steps: [{ name: 'x', run: logStep(log) }] } } }));
    // One run waits at its gate (status asks its worker: a query), one has ended (status reads its close event).
    const open = await startRun(target, gated('encrypted-open'));
    const ended = await startRun(target, planFrom(JSON.stringify({ apiVersion: 'maestro/v1', name: 'encrypted-ended', services: { a: { node: 'mac-studio', steps: [{ name: 'x', run: logStep(log) }] } } })));
    expect((await ended.finished()).outcome.state).toBe('succeeded');
    await waitFor('the gate to open', async () => (await open.handle.query(progressQuery)).gates[0]?.state === 'open');

    const noKey = { MAESTRO_PAYLOAD_KEY: '' };
    const anotherKey = { MAESTRO_PAYLOAD_KEY: randomBytes(32).toString('base64') };
    const cases = [
      { who: 'no key', env: noKey, run: open, json: false },
      { who: 'no key', env: noKey, run: ended, json: false },
      { who: 'another key', env: anotherKey, run: ended, json: true },
    ];
    await Promise.all(
      cases.map(async ({ who, env, run, json }) => {
        const proc = spawnMaestro(['status', run.runId, ...(json ? ['--json'] : []), '--address', server.address], env);
        const { code } = await proc.exited;
        const said = { who, run: run.runId, json, code, stdout: proc.stdout(), stderr: proc.stderr() };
        expect(said).toEqual({ ...said, code: 2, stdout: '' });
        expect(said.stderr).toMatch(who === 'no key' ? /^error: a payload is encrypted \(key [0-9a-f]+\) and MAESTRO_PAYLOAD_KEY is not set here$/m : /^error: .*key/m);
        expect(said.stderr).toContain('hint: set MAESTRO_PAYLOAD_KEY to the key the run was started with');
        expect(said.stderr).not.toMatch(/\n\s+at /);
      }),
    );
    // With the key, the same commands read both runs.
    expect((await cli('status', open.runId)).code).toBe(0);
    await open.handle.signal(abortSignal, { by: 'tester' });
  }, 120_000);
});
