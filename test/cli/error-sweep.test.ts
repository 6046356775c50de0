import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { EXIT } from '../../client/exit-codes';
import { DEBUG_ENV } from '../../client/main';
import { startPlainServer, STACK_FRAME } from '../helpers/plain-server';
import { tempDir } from '../helpers/plans';
import { ensureBuilt, killSpawned, spawnMaestro } from '../helpers/processes';

// Every command against every bad setup: a documented exit code, a message naming the problem,
// and never a stack frame.

const dir = tempDir('maestro-sweep-');
const planFile = join(dir, 'plan.yaml');
let plainAddress: string;
let notTemporal: Server;
let notTemporalAddress: string;

interface Setup {
  name: string;
  flags: () => string[];
  /** Exit codes allowed for any command; `main` the code of the commands that must reach the server. */
  main: number;
  says: RegExp;
}

const setups: Setup[] = [
  { name: 'an unprepared namespace', flags: () => ['--address', plainAddress], main: EXIT.notPrepared, says: /maestro init --address/ },
  { name: 'an unknown namespace', flags: () => ['--address', plainAddress, '--namespace', 'no-such-namespace'], main: EXIT.notPrepared, says: /namespace "no-such-namespace" does not exist/ },
  { name: 'an address that is TCP but not Temporal', flags: () => ['--address', notTemporalAddress], main: EXIT.unreachable, says: /does not answer as a Temporal frontend/ },
  { name: 'TLS against a plain server', flags: () => ['--address', plainAddress, '--tls-ca', '/etc/ssl/certs/ca-certificates.crt'], main: EXIT.unreachable, says: /does not speak (it|TLS)/ },
  { name: 'a missing certificate file', flags: () => ['--address', plainAddress, '--tls-ca', join(dir, 'missing-ca.pem')], main: EXIT.invalidInput, says: /missing-ca\.pem/ },
  { name: 'an unreachable server', flags: () => ['--address', '127.0.0.1:1'], main: EXIT.unreachable, says: /nothing listens there/ },
];

/** Each command, with the connection flags placed before any `--`. `main`: it must reach the server, so it fails with the setup's code. */
const commands: Array<{ name: string; argv: (conn: string[]) => string[]; main: boolean }> = [
  { name: 'run', argv: (c) => ['run', planFile, ...c], main: true },
  { name: 'list --plan', argv: (c) => ['list', '--plan', 'p', ...c], main: true },
  { name: 'report --since', argv: (c) => ['report', '--since', '30d', ...c], main: true },
  { name: 'exec', argv: (c) => ['exec', '--node', 'macpro51', ...c, '--', 'true'], main: true },
  { name: 'status', argv: (c) => ['status', 'r1', ...c], main: false },
  { name: 'watch', argv: (c) => ['watch', 'r1', ...c], main: false },
  { name: 'list', argv: (c) => ['list', ...c], main: false },
  { name: 'report', argv: (c) => ['report', 'r1', ...c], main: false },
  { name: 'verify', argv: (c) => ['verify', 'r1', ...c], main: false },
  { name: 'nodes', argv: (c) => ['nodes', ...c], main: false },
  { name: 'approve', argv: (c) => ['approve', 'r1', '--as', 'ops', ...c], main: false },
  { name: 'reject', argv: (c) => ['reject', 'r1', '--as', 'ops', '--reason', 'no', ...c], main: false },
  { name: 'decide', argv: (c) => ['decide', 'r1', 'retry', '--as', 'ops', ...c], main: false },
  { name: 'pause', argv: (c) => ['pause', 'r1', ...c], main: false },
  { name: 'resume', argv: (c) => ['resume', 'r1', ...c], main: false },
  { name: 'abort', argv: (c) => ['abort', 'r1', ...c], main: false },
  { name: 'init', argv: (c) => ['init', ...c], main: false },
  { name: 'tune', argv: (c) => ['tune', 'r1', '--max-parallel', '2', '--as', 'ops', ...c], main: false },
];

beforeAll(async () => {
  await ensureBuilt();
  writeFileSync(planFile, 'apiVersion: maestro/v1\nname: sweep\nservices:\n  api:\n    node: macpro51\n    steps:\n      - { name: hello, run: [true] }\n');
  ({ address: plainAddress } = await startPlainServer());
  // Accepts connections and answers like a web server would: not Temporal. Port 0: the kernel's
  // choice, no window for another process to take it.
  notTemporal = createServer((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
  await new Promise<void>((resolve) => notTemporal.listen(0, '127.0.0.1', resolve));
  notTemporalAddress = `127.0.0.1:${(notTemporal.address() as { port: number }).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => notTemporal.close(() => resolve()));
  await killSpawned();
});

describe.each(setups)('every command against $name', (setup) => {
  it('answers with a documented exit code, a message saying what is wrong, and no stack frame', async () => {
    const results = await Promise.all(
      // `init` would prepare the unprepared namespace under the other commands' feet.
      commands.filter((c) => !(setup.name === 'an unprepared namespace' && c.name === 'init')).map(async (command) => {
        const output = memoryOutput();
        const code = await runCli(command.argv(setup.flags()), output);
        return { command, code, text: [...output.stdout, ...output.stderr].join('\n') };
      }),
    );
    for (const r of results) {
      const label = `${r.command.name} (exit ${r.code}):\n${r.text}`;
      expect(label).not.toMatch(STACK_FRAME);
      // On an unprepared namespace, what needs no search attribute (a plain `list`, `nodes`) may work.
      const allowed = [EXIT.invalidInput, EXIT.refused, EXIT.unreachable, EXIT.notPrepared, EXIT.runFailed, ...(setup.name === 'an unprepared namespace' ? [EXIT.ok] : [])];
      if (!allowed.includes(r.code as never)) throw new Error(`undocumented exit from ${label}`);
      if (r.command.main || setup.main !== EXIT.notPrepared || setup.name.includes('unknown')) {
        if (r.code !== setup.main) throw new Error(`expected exit ${setup.main} from ${label}`);
        expect(r.text).toMatch(setup.says);
      }
    }
  }, 60_000);
});

describe.each(setups.filter((s) => s.name !== 'an unprepared namespace'))('`maestro worker` against $name', (setup) => {
  it('exits with the same code and message, no stack frame', async () => {
    const worker = spawnMaestro(['worker', '--node', 'n1', ...setup.flags()]);
    // A worker that wrongly started would poll forever: stop it, and the expectations below fail.
    const timer = setTimeout(() => worker.child.kill('SIGTERM'), 40_000);
    const { code } = await worker.exited;
    clearTimeout(timer);
    const text = worker.stdout() + worker.stderr();
    expect(text).not.toMatch(STACK_FRAME);
    expect(text).toMatch(setup.says);
    expect(code).toBe(setup.main);
  }, 60_000);
});

// The commands that need no server, on bad input: exit 2 and a message, no stack frame.
const localCommands: Array<{ name: string; argv: () => string[]; says: RegExp }> = [
  { name: 'validate', argv: () => ['validate', join(dir, 'missing.yaml')], says: /missing\.yaml/ },
  { name: 'plan', argv: () => ['plan', join(dir, 'missing.yaml')], says: /missing\.yaml/ },
  { name: 'graph', argv: () => ['graph', join(dir, 'missing.yaml')], says: /missing\.yaml/ },
  { name: 'simulate', argv: () => ['simulate', join(dir, 'missing.yaml')], says: /missing\.yaml/ },
  { name: 'certs', argv: () => ['certs', '--dir', join(dir, 'c'), '--days', '0'], says: /--days/ },
  { name: 'server', argv: () => ['server', '--ip', '192.0.2.1', '--db-file', join(dir, 'never.sqlite')], says: /192\.0\.2\.1 is not an address of this machine/ },
];

describe.each(localCommands)('`maestro $name` on bad input', (command) => {
  it('is exit 2 with a message and no stack frame', async () => {
    const output = memoryOutput();
    const code = await runCli(command.argv(), output);
    const text = [...output.stdout, ...output.stderr].join('\n');
    expect(text).not.toMatch(STACK_FRAME);
    expect(text).toMatch(command.says);
    expect(code).toBe(EXIT.invalidInput);
  }, 30_000);
});

describe('an unexpected error (exit 1)', () => {
  // A certificate folder under a regular file: mkdir fails with ENOTDIR, which no command expects.
  const unexpected = () => {
    writeFileSync(join(dir, 'a-file'), '');
    return ['certs', '--dir', join(dir, 'a-file', 'certs')];
  };
  afterEach(() => delete process.env[DEBUG_ENV]);

  it('prints its message and how to see the stack, but no stack frame', async () => {
    delete process.env[DEBUG_ENV];
    const output = memoryOutput();
    const code = await runCli(unexpected(), output);
    const text = output.stderr.join('\n');
    expect(code).toBe(EXIT.runFailed);
    expect(text).toContain(`error: ENOTDIR: not a directory, mkdir '${join(dir, 'a-file', 'certs', 'clients')}'`);
    expect(text).toContain(`run again with ${DEBUG_ENV}=1 to see its stack trace`);
    expect(text).not.toMatch(STACK_FRAME);
  });

  it('prints the stack trace when MAESTRO_DEBUG is set', async () => {
    process.env[DEBUG_ENV] = '1';
    const output = memoryOutput();
    expect(await runCli(unexpected(), output)).toBe(EXIT.runFailed);
    expect(output.stderr.join('\n')).toMatch(STACK_FRAME);
  });

  it('is the same from the installed entry point (bin/maestro.js), and 0 or false do not count as set', async () => {
    for (const debug of [undefined, '0', 'false']) {
      const proc = spawnMaestro(unexpected(), debug === undefined ? {} : { [DEBUG_ENV]: debug });
      const { code } = await proc.exited;
      expect({ debug, code }).toEqual({ debug, code: EXIT.runFailed });
      expect(proc.stderr()).toContain('error: ENOTDIR');
      expect(proc.stderr()).not.toMatch(STACK_FRAME);
    }
  }, 30_000);
});
