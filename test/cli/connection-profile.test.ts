import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EXIT } from '../../client/exit-codes';
import { ensureBuilt, killSpawned, spawnMaestro } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal-env';

// The real CLI process reads its connection from a Temporal CLI profile, as `temporal` would.
let env: TestWorkflowEnvironment;
let dir: string;
let configFile: string;

beforeAll(async () => {
  await ensureBuilt();
  env = await startDevServer();
  dir = mkdtempSync(join(tmpdir(), 'maestro-profile-'));
  configFile = join(dir, 'temporal.toml');
  writeFileSync(configFile, `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.lab]\naddress = "${env.address}"\nnamespace = "default"\n`);
}, 120_000);

afterAll(async () => {
  await killSpawned();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

// HOME elsewhere, so the machine's own ~/.config/temporalio/temporal.toml cannot answer instead.
const clean = () => ({ HOME: dir, XDG_CONFIG_HOME: dir, TEMPORAL_ADDRESS: undefined, TEMPORAL_NAMESPACE: undefined, TEMPORAL_PROFILE: undefined, TEMPORAL_CONFIG_FILE: configFile });

async function cli(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const p = spawnMaestro(args, { ...clean(), ...extra });
  const { code } = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
}

it('reads the server address from a temporal.toml profile named by TEMPORAL_PROFILE or --profile', async () => {
  for (const run of [() => cli(['list', '--json'], { TEMPORAL_PROFILE: 'lab' }), () => cli(['list', '--json', '--profile', 'lab'])]) {
    const { code, out, err } = await run();
    expect({ code, err }).toEqual({ code: EXIT.ok, err: '' });
    expect(JSON.parse(out)).toEqual(expect.any(Array));
  }
});

it('lets --address win over the profile', async () => {
  const { code } = await cli(['list', '--json', '--address', env.address]);
  expect(code).toBe(EXIT.ok);
  const unreachable = await cli(['list', '--json', '--profile', 'lab', '--address', '127.0.0.1:1']);
  expect(unreachable.code).toBe(EXIT.unreachable);
});

it('refuses TEMPORAL_TLS=yes with exit 2 and a one-line reason, before connecting', async () => {
  const { code, err } = await cli(['list'], { TEMPORAL_PROFILE: 'lab', TEMPORAL_TLS: 'yes' });
  expect(code).toBe(EXIT.invalidInput);
  expect(err).toContain('TEMPORAL_TLS="yes" is not one of true, false, 1, 0');
  expect(err).not.toMatch(/\n\s+at /);
});
