import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_TYPES, type RunCommandInput } from '../../activities';
import { CommandLauncher } from '../../activities/launcher';
import { inlineSpawner } from '../../activities/spawn';
import { context, failureOf, harness, isAlive, readPid, scratchDir } from '../fixtures/activity-harness';
import { ensureBuilt, killGroup, spawnTracked } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.remove());

function input(shell: string, extra: Partial<RunCommandInput> = {}): RunCommandInput {
  return { command: { shell }, cwd: scratch.dir, env: {}, timeoutMs: 30_000, context, ...extra };
}

describe('the command launcher', () => {
  let launcher: CommandLauncher;
  beforeEach(() => {
    launcher = new CommandLauncher();
  });
  afterEach(() => launcher.close());

  test('runs commands from a process of its own, started once', async () => {
    const { runCommand } = harness({ spawn: launcher.spawn });
    const first = await runCommand(input('echo $PPID'));
    const host = launcher.hostPid;
    expect(host).toBeDefined();
    // The command's parent is the launcher, not this (test) process.
    expect(Number(first.outputTail)).toBe(host);
    expect(Number(first.outputTail)).not.toBe(process.pid);
    const second = await runCommand(input('echo $PPID; echo to-stderr >&2; exit 0'));
    expect(second.outputTail).toBe(`${host}\nto-stderr`);
    expect(launcher.hostPid).toBe(host);
  });

  test('reports a missing executable as the spawn error it is', async () => {
    const { runCommand } = harness({ spawn: launcher.spawn });
    const failure = await failureOf(runCommand({ ...input(''), command: { argv: ['/no/such/tool'] } }));
    expect(failure.type).toBe(FAILURE_TYPES.commandNotFound);
    expect(failure.message).toMatch(/executable "\/no\/such\/tool" was not found/);
  });

  test('a command Node refuses to start (a NUL byte) fails for good, and the launcher lives on', async () => {
    const { runCommand } = harness({ spawn: launcher.spawn });
    await runCommand(input('true'));
    const host = launcher.hostPid;
    const failure = await failureOf(runCommand({ ...input(''), command: { argv: ['echo', 'a\0b'] } }));
    expect(failure.type).toBe(FAILURE_TYPES.invalidStep);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/"echo" cannot be started: .*null bytes/);
    expect((await runCommand(input('echo still here'))).outputTail).toBe('still here');
    expect(launcher.hostPid).toBe(host);
  });

  test('if the launcher dies mid-command, the step fails retryably, its process group is stopped, and the next command starts a new launcher', async () => {
    const { runCommand } = harness({ spawn: launcher.spawn, killGraceMs: 500 });
    const running = runCommand(input('echo $$ > shell.pid; echo started; sleep 300'));
    const shellPid = await waitFor('the command to start', () => {
      try {
        return readPid(join(scratch.dir, 'shell.pid'));
      } catch {
        return undefined;
      }
    });
    const host = launcher.hostPid!;
    process.kill(host, 'SIGKILL');
    const failure = await failureOf(running);
    expect(failure.type).toBe(FAILURE_TYPES.commandFailed);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(new RegExp(`was stopped: the command launcher \\(pid ${host}\\) exited \\(SIGKILL\\) while it ran \\(its process group was terminated\\)`));
    expect(failure.message).toMatch(/last output:\nstarted/);
    expect(isAlive(shellPid)).toBe(false);

    const next = await runCommand(input('echo again'));
    expect(next.outputTail).toBe('again');
    expect(launcher.hostPid).not.toBe(host);
  });

  test('if the launcher dies after starting a command but before it said so, that command is stopped too', async () => {
    // A stand-in host: starts the command as the real one does, and is killed (here: kills itself)
    // once the command runs, before it reports the start.
    const host = join(scratch.dir, 'dying-host.js');
    writeFileSync(
      host,
      `const { spawn } = require('node:child_process');
      const { existsSync } = require('node:fs');
      process.on('message', (m) => {
        if (m.t !== 'spawn') return;
        spawn(m.file, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: 'ignore' });
        const dying = setInterval(() => { if (existsSync(m.cwd + '/shell.pid')) { clearInterval(dying); process.kill(process.pid, 'SIGKILL'); } }, 5);
      });`,
    );
    const dying = new CommandLauncher({ hostScript: host });
    try {
      const { runCommand } = harness({ spawn: dying.spawn });
      const failure = await failureOf(runCommand(input('echo $$ > shell.pid; sleep 300')));
      const shellPid = readPid(join(scratch.dir, 'shell.pid'));
      expect(failure.type).toBe(FAILURE_TYPES.commandFailed);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.message).toMatch(/the command launcher \(pid \d+\) exited \(SIGKILL\) before it confirmed the start; the command it had started was stopped/);
      expect(isAlive(shellPid)).toBe(false);
    } finally {
      dying.close();
    }
  });

  test('exits when the process that forked it dies', async () => {
    await ensureBuilt();
    // A worker stand-in: starts a long command through a launcher, prints the launcher's pid, and is killed.
    const script = `
      const { CommandLauncher } = require(${JSON.stringify(require.resolve('../../dist/activities/launcher'))});
      const launcher = new CommandLauncher();
      launcher.spawn({ file: 'sleep', args: ['300'], cwd: '/', env: process.env }, () => {}).then((cmd) => console.log(launcher.hostPid, cmd.pid));
    `;
    const worker = spawnTracked(process.execPath, ['-e', script]);
    let host: number | undefined;
    let command: number | undefined;
    try {
      const line = await waitFor('the stand-in worker to print the pids', () => {
        if (worker.stdout().includes('\n')) return worker.stdout();
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) throw new Error(`the stand-in worker exited before printing:\n${worker.stderr()}`);
        return undefined;
      });
      [host, command] = line.trim().split(' ').map(Number) as [number, number];
      expect(isAlive(host)).toBe(true);
      await worker.kill9();
      await waitFor('the launcher to exit', () => !isAlive(host!), 10_000);
      // Like a command started inline, it outlives the worker: it leads a process group of its own.
      expect(isAlive(command)).toBe(true);
    } finally {
      await worker.kill9();
      if (host !== undefined && isAlive(host)) process.kill(host, 'SIGKILL');
      if (command !== undefined) killGroup(command);
    }
  });
});

test('commands can still be started inline (MAESTRO_COMMAND_LAUNCHER=off)', async () => {
  const { runCommand } = harness({ spawn: inlineSpawner });
  const result = await runCommand(input('echo $PPID'));
  expect(Number(result.outputTail)).toBe(process.pid);
});
