import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { EXIT } from '../../client/exit-codes';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, type Spawned, spawnMaestro, spawnOnFreePorts } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

// Processes that must stop: on bad input, when what they depend on dies, on the first SIGTERM.
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => killSpawned());

const BAD_KEY = { MAESTRO_PAYLOAD_KEY: Buffer.alloc(16, 1).toString('base64') };

/** The exit, or a failure naming the process if it is still running after `ms`. */
async function exitWithin(proc: Spawned, ms: number, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} still running after ${ms} ms:\n${proc.stderr().slice(-2000)}`)), ms).unref());
  return Promise.race([proc.exited, timeout]);
}

async function startDev(): Promise<{ dev: Spawned; serverPid: number }> {
  const { proc: dev } = await spawnOnFreePorts(
    ({ port, uiPort }) => spawnMaestro(['dev', '--port', String(port), '--ui-port', String(uiPort), '--db-file', join(tempDir('maestro-db-'), 'dev.sqlite')]),
    'maestro dev to poll',
    (p) => p.stdout().includes('Workers polling'),
  );
  const serverPid = Number(execFileSync('pgrep', ['-P', String(dev.pid), '-f', 'server start-dev']).toString().trim());
  return { dev, serverPid };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('processes that stop', () => {
  it.each([
    ['worker', ['worker', '--node', 'macpro51', '--address', '127.0.0.1:1']],
    ['dev', ['dev', '--port', '1']],
  ])('maestro %s with a malformed payload key exits 2 with one line, no stack trace', async (_, args) => {
    const proc = spawnMaestro(args, BAD_KEY);
    expect(await exitWithin(proc, 15_000, `maestro ${args[0]}`)).toEqual({ code: EXIT.invalidInput, signal: null });
    expect(proc.stderr()).toMatch(/^error: MAESTRO_PAYLOAD_KEY must be 32 bytes/);
    expect(proc.stderr()).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('maestro dev exits 1 when its Temporal server dies, instead of logging connection errors forever', async () => {
    const { dev, serverPid } = await startDev();
    process.kill(serverPid, 'SIGKILL');
    expect(await exitWithin(dev, 30_000, 'maestro dev')).toEqual({ code: EXIT.runFailed, signal: null });
    expect(dev.stderr()).toMatch(/error: the Temporal dev server exited \(SIGKILL\)/);
  }, 120_000);

  it('maestro dev ends on its first SIGTERM, and its server with it', async () => {
    const { dev, serverPid } = await startDev();
    dev.child.kill('SIGTERM');
    expect(await exitWithin(dev, 30_000, 'maestro dev after one SIGTERM')).toEqual({ code: EXIT.ok, signal: null });
    await waitFor('the dev server to be gone', () => !alive(serverPid), 10_000);
  }, 120_000);
});
