import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLocalIdentity, loadOperator, localKeyPath } from '../../client/identity';
import { EXIT } from '../../client/exit-codes';
import { readTrustFile } from '../../workers/trust-file';
import { NAMESPACES, findSigner } from '../../trust/allowed-signers';
import { maestro } from '../helpers/cli';
import { tempDir } from '../helpers/ssh-keys';

/** Secure by default: no trust file, no node worker; no key, no run; `maestro dev` makes both locally. */
const saved = { ...process.env };
let home: string;
beforeEach(() => {
  home = tempDir('maestro-home-');
  process.env.MAESTRO_HOME = home;
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(home, { recursive: true, force: true });
});

const PLAN = join(__dirname, '..', '..', 'examples', 'local-rollout.yaml');

test('a node worker without a trust file refuses to start (exit 2), saying what to pass', async () => {
  delete process.env.MAESTRO_TRUST;
  const r = await maestro('127.0.0.1:1', 'worker', '--node', 'macpro51');
  expect(r.code).toBe(EXIT.invalidInput);
  expect(r.err).toMatch(/a node worker needs a trust file/);
  expect(r.err).toMatch(/--trust FILE or set MAESTRO_TRUST/);
  expect(r.err).not.toMatch(/\n\s+at /);
});

test('a malformed trust file stops the worker before it connects, naming the line', async () => {
  const bad = join(home, 'bad_signers');
  writeFileSync(bad, 'ops namespaces="maestro-plan" ssh-ed25519\n');
  const r = await maestro('127.0.0.1:1', 'worker', '--node', 'macpro51', '--trust', bad);
  expect(r.code).toBe(EXIT.invalidInput);
  expect(r.err).toContain(`${bad}:1: expected "principals [options] keytype key"`);
});

test('maestro run without any key is invalid input before anything starts', async () => {
  delete process.env.MAESTRO_KEY;
  delete process.env.MAESTRO_TRUST;
  const r = await maestro('127.0.0.1:1', 'run', PLAN);
  expect(r.code).toBe(EXIT.invalidInput);
  expect(r.err).toMatch(/no signing key: runs and approvals are signed/);
  expect(r.err).toMatch(/run `maestro dev` once to create a local key/);
});

test('first use makes a local key ssh-keygen reads and a trust file allowing it both namespaces; the CLI then signs with it', () => {
  delete process.env.MAESTRO_KEY;
  delete process.env.MAESTRO_TRUST;
  const made = ensureLocalIdentity();
  expect(made.created).toBe(true);
  expect(made.keyPath).toBe(localKeyPath());
  const pub = execFileSync('ssh-keygen', ['-y', '-f', made.keyPath]).toString().trim();
  expect(readFileSync(`${made.keyPath}.pub`, 'utf8')).toContain(pub);
  const operator = loadOperator()!;
  const trust = readTrustFile(made.trustPath);
  for (const ns of [NAMESPACES.plan, NAMESPACES.approval]) expect(findSigner(trust, operator.key.publicKey, ns, Date.now())).toMatchObject({ ok: true, name: operator.name });
  // A second start keeps what is there.
  expect(ensureLocalIdentity().created).toBe(false);
});
