import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { promisify } from 'node:util';
import { EXIT } from '../../client/exit-codes';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, type Spawned, spawnMaestro, spawnOnFreePorts } from '../helpers/processes';

/**
 * Secure by default, no friction locally: `maestro dev` with no key and no trust file anywhere
 * makes a local key and trust file, its node workers verify against that file, and a plain
 * `maestro run` from the same checkout is signed with the local key — no flag anywhere.
 */
const MAESTRO_BIN = join(__dirname, '..', '..', 'bin', 'maestro.js');
let home: string;
let dev: Spawned | undefined;
let address: string;
/** The environment of a fresh checkout: no identity from the jest setup, the pinned Temporal CLI. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await ensureBuilt();
  // A fresh home each try: a try that lost its port may have created the key already.
  const { port, proc: started } = await spawnOnFreePorts(({ port, uiPort }) => {
    home = tempDir('maestro-home-');
    // Undefined, not deleted: spawnMaestro lays this over process.env, and spawn drops undefined values.
    env = { ...process.env, MAESTRO_HOME: home, TEMPORAL_CLI_PATH: resolveTemporalBinary('cli'), MAESTRO_KEY: undefined, MAESTRO_TRUST: undefined };
    return (dev = spawnMaestro(['dev', '--port', String(port), '--ui-port', String(uiPort), '--db-file', join(home, 'dev.sqlite')], env));
  }, 'maestro dev to poll', (p) => p.stdout().includes('Workers polling'));
  address = `127.0.0.1:${port}`;
  expect(started.stdout()).toContain(`Local signing key ${join(home, 'keys', 'id_ed25519')} and trust file ${join(home, 'allowed_signers')} created`);
  expect(started.stdout()).toContain(`Trust file:      ${join(home, 'allowed_signers')}`);
  expect(started.stderr()).not.toContain('INSECURE');
}, 120_000);

// SIGTERM first: maestro dev then stops its Temporal server too (a kill -9 would orphan it).
afterAll(async () => {
  await dev?.stop(30_000);
  await killSpawned();
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAESTRO_BIN, ...args, '--address', address], { env });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

test('a plain `maestro run` against `maestro dev` runs signed with the local key, no flag', async () => {
  const dir = tempDir();
  const marker = join(dir, 'ran');
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'maestro/v1', name: 'local-signed', services: { a: { node: 'macpro51', steps: [{ name: 'touch', run: ['touch', marker] }] } } }));
  const r = await cli('run', file, '--id', 'local-signed-1', '--wait');
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
  expect(existsSync(marker)).toBe(true);
  // The run records the local key's name and fingerprint as its signer.
  const status = await cli('status', 'local-signed-1', '--json');
  const key = readFileSync(join(home, 'keys', 'id_ed25519.pub'), 'utf8');
  const fingerprint = await promisify(execFile)('ssh-keygen', ['-l', '-f', join(home, 'keys', 'id_ed25519.pub')]);
  const fp = fingerprint.stdout.split(' ')[1]!;
  expect(key).toMatch(/^ssh-ed25519 /);
  expect(status.out).toContain(fp);
  // The signer, by name and fingerprint, in the text status, the report and the Web UI's details.
  const me = userInfo().username;
  expect((await cli('status', 'local-signed-1')).out).toContain(`signed by ${me} (${fp}), valid until `);
  expect((await cli('report', 'local-signed-1')).out).toContain(`- signed by ${me} (${fp}), valid until `);
  const connection = await Connection.connect({ address });
  try {
    const details = await new Client({ connection }).workflow.getHandle('local-signed-1').describe();
    expect(await details.staticDetails()).toContain(`Signed by key ${fp} (maestro-plan), valid until `);
  } finally {
    await connection.close();
  }
}, 60_000);

test('a key the local trust file does not list: its run starts, and runs nothing', async () => {
  const dir = tempDir();
  const marker = join(dir, 'ran');
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'maestro/v1', name: 'local-stranger', services: { a: { node: 'macpro51', steps: [{ name: 'touch', run: ['touch', marker] }] } } }));
  const stranger = join(dir, 'stranger');
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stranger', '-f', stranger]);
  const r = await cli('run', file, '--id', 'local-stranger-1', '--wait', '--key', stranger);
  expect(r.code).toBe(EXIT.runFailed);
  expect(existsSync(marker)).toBe(false);
  expect(`${r.out}${r.err}`).toMatch(/plan signer not trusted/);
}, 60_000);
