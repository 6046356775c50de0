import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import type { MockActivityEnvironment } from '@temporalio/testing';
import { FAILURE_TYPES, type CommandFailedDetails, type RunCommandHeartbeat, type RunCommandInput } from '../../activities';
import { context, failureOf, harness, isAlive, readPid, scratchDir } from '../fixtures/activity-harness';

const SECRET = 'postgres://app:hunter2-Zq9@db.internal/app';
/** Leaves the pids of the shell and of a backgrounded grandchild, then waits on the grandchild. */
const SPAWNS_GRANDCHILD = 'echo $$ > shell.pid; sleep 300 & echo $! > grandchild.pid; echo started; wait';

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.remove());

function input(command: RunCommandInput['command'], extra: Partial<RunCommandInput> = {}): RunCommandInput {
  return { command, cwd: scratch.dir, env: {}, timeoutMs: 30_000, context, ...extra };
}

/** Resolves with the first heartbeat `accept` takes (and, if given, runs `then` right then). */
function heartbeatWhere(
  env: MockActivityEnvironment,
  accept: (details: RunCommandHeartbeat) => boolean,
): Promise<RunCommandHeartbeat> {
  return new Promise((resolve) => {
    const listener = (details: RunCommandHeartbeat): void => {
      if (!accept(details)) return;
      env.off('heartbeat', listener);
      resolve(details);
    };
    env.on('heartbeat', listener);
  });
}

describe('runCommand', () => {
  test('an argv runs without a shell; a string runs through /bin/sh -c', async () => {
    const { runCommand } = harness();
    const argv = await runCommand(input({ argv: ['printf', '%s\n', 'a $HOME b'] }));
    expect(argv).toMatchObject({ exitCode: 0, outputTail: 'a $HOME b', lastLine: 'a $HOME b', node: 'macpro51' });
    expect(argv.durationMs).toBeGreaterThanOrEqual(0);

    const shell = await runCommand(input({ shell: 'echo "$((1 + 2))" && pwd' }));
    expect(shell.outputTail).toBe(`3\n${scratch.dir}`);
  });

  test('the environment holds the worker env, the step env and every MAESTRO_* variable', async () => {
    const { runCommand } = harness({}, { attempt: 3 });
    const result = await runCommand(
      input(
        // MAESTRO_TRUST: the test identity's (jest-setup.ts), inherited like any worker variable.
        { shell: 'env | grep -E "^(MAESTRO_|GREETING=)" | grep -v "^MAESTRO_TRUST=" | sort; echo "home=$HOME"' },
        // A plan cannot shadow what Maestro sets.
        { env: { GREETING: 'hello world', MAESTRO_NODE: 'spoofed' }, context: { ...context, phase: 'undo' } },
      ),
    );
    expect(result.outputTail.split('\n')).toEqual([
      'GREETING=hello world',
      'MAESTRO_ATTEMPT=3',
      'MAESTRO_IDEMPOTENCY_KEY=demo-plan-7/api/migrate',
      'MAESTRO_NODE=macpro51',
      'MAESTRO_PHASE=undo',
      'MAESTRO_PLAN=demo-plan',
      'MAESTRO_RUN_ID=demo-plan-7',
      'MAESTRO_SERVICE=api',
      'MAESTRO_STEP=migrate',
      `home=${process.env.HOME ?? ''}`,
    ]);
    expect(result.attempt).toBe(3);
  });

  test('a fromEnv secret is resolved on the worker and redacted from tail, heartbeats and logs', async () => {
    const { env, runCommand, logs } = harness({ env: { NEON_URL: SECRET } });
    const beats: RunCommandHeartbeat[] = [];
    env.on('heartbeat', (details: RunCommandHeartbeat) => beats.push(details));
    const result = await runCommand(
      input(
        { shell: 'echo "length=${#DATABASE_URL}"; echo "url=$DATABASE_URL" >&2; echo "again $DATABASE_URL"' },
        { env: { DATABASE_URL: { fromEnv: 'NEON_URL' } } },
      ),
    );
    expect(result.outputTail).toContain(`length=${SECRET.length}`);
    expect(result.outputTail).toContain('url=***');
    expect(result.outputTail).toContain('again ***');
    expect(beats.length).toBeGreaterThan(0);
    for (const text of [result.outputTail, JSON.stringify(beats), logs()]) expect(text).not.toContain(SECRET);
  });

  test('a failing command keeps secrets out of its message and details', async () => {
    const { runCommand, logs } = harness({ env: { NEON_URL: SECRET } });
    const failure = await failureOf(
      runCommand(input({ shell: 'echo "connecting to $DB"; exit 2' }, { env: { DB: { fromEnv: 'NEON_URL' } } })),
    );
    expect(failure.message).toContain('connecting to ***');
    for (const text of [failure.message, JSON.stringify(failure.details), logs()]) expect(text).not.toContain(SECRET);
  });

  test('a fromEnv variable missing on the worker fails non-retryably, by name, before running anything', async () => {
    const { runCommand } = harness({ env: {} });
    const env = { DATABASE_URL: { fromEnv: 'MAESTRO_TEST_UNSET' }, TOKEN: { fromEnv: 'TOKEN' } };
    const failure = await failureOf(runCommand(input({ shell: 'touch ran' }, { env })));
    expect(failure.type).toBe(FAILURE_TYPES.missingSecret);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('MAESTRO_TEST_UNSET (for DATABASE_URL)');
    expect(failure.message).toContain('TOKEN');
    expect(existsSync(join(scratch.dir, 'ran'))).toBe(false);
  });

  test('a missing executable or working directory fails non-retryably', async () => {
    const { runCommand } = harness();
    const noExecutable = await failureOf(runCommand(input({ argv: ['maestro-no-such-command', '--x'] })));
    expect(noExecutable).toMatchObject({ type: FAILURE_TYPES.commandNotFound, nonRetryable: true });
    expect(noExecutable.message).toContain('"maestro-no-such-command"');

    const missingCwd = join(scratch.dir, 'gone');
    const noCwd = await failureOf(runCommand(input({ argv: ['true'] }, { cwd: missingCwd })));
    expect(noCwd).toMatchObject({ type: FAILURE_TYPES.commandNotFound, nonRetryable: true });
    expect(noCwd.message).toContain(missingCwd);
  });

  test('a non-zero exit is a retryable CommandFailed naming the step, the exit code and the last lines', async () => {
    const { runCommand } = harness();
    const failure = await failureOf(
      runCommand(input({ shell: 'echo starting; echo "disk full" >&2; exit 3' }, { context: { ...context, phase: 'undo' } })),
    );
    expect(failure).toMatchObject({ type: FAILURE_TYPES.commandFailed, nonRetryable: false });
    expect(failure.message).toMatch(/^api\/migrate \(undo\) exited with code 3/);
    expect(failure.message).toContain('disk full');
    const details = failure.details?.[0] as CommandFailedDetails;
    expect(details).toMatchObject({ exitCode: 3, signal: null });
    expect(details.outputTail.split('\n').sort()).toEqual(['disk full', 'starting']);
  });

  test('a timeout kills the whole process group, grandchildren included', async () => {
    const { runCommand } = harness();
    const failure = await failureOf(runCommand(input({ shell: SPAWNS_GRANDCHILD }, { timeoutMs: 1_500 })));
    expect(failure).toMatchObject({ type: FAILURE_TYPES.commandTimedOut, nonRetryable: false });
    expect(failure.message).toContain('timed out after 1500ms');
    expect(failure.message).toContain('started');
    expect(isAlive(readPid(join(scratch.dir, 'shell.pid')))).toBe(false);
    expect(isAlive(readPid(join(scratch.dir, 'grandchild.pid')))).toBe(false);
  });

  test('a group that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const { runCommand, logs } = harness({ killGraceMs: 200 });
    // An ignored signal stays ignored in children, so the whole group shrugs off SIGTERM.
    const failure = await failureOf(
      runCommand(input({ shell: "trap '' TERM; sleep 300 & echo $! > grandchild.pid; wait" }, { timeoutMs: 1_000 })),
    );
    expect(failure.type).toBe(FAILURE_TYPES.commandTimedOut);
    expect(isAlive(readPid(join(scratch.dir, 'grandchild.pid')))).toBe(false);
    expect(logs()).toContain('"kill":"killed"');
  });

  test('cancellation kills the whole process group and rejects with CancelledFailure', async () => {
    const { env, runCommand } = harness();
    void heartbeatWhere(env, (details) => details.lastLine === 'started').then(() => env.cancel());
    const error: unknown = await runCommand(input({ shell: SPAWNS_GRANDCHILD })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(isAlive(readPid(join(scratch.dir, 'shell.pid')))).toBe(false);
    expect(isAlive(readPid(join(scratch.dir, 'grandchild.pid')))).toBe(false);
  });

  test('heartbeats carry the last output line, and keep coming while the command is silent', async () => {
    const { env, runCommand } = harness({ heartbeatIntervalMs: 50 });
    const running = runCommand(input({ shell: 'echo one; echo two; exec sleep 300' })).catch((e: unknown) => e);
    await heartbeatWhere(env, (details) => details.lastLine === 'two');
    let silentBeats = 0;
    await heartbeatWhere(env, (details) => details.lastLine === 'two' && ++silentBeats === 3);
    env.cancel();
    expect(await running).toBeInstanceOf(CancelledFailure);
  });

  test('10 MB of output keep the tail bounded', async () => {
    const { runCommand } = harness();
    const oneLine = await runCommand(input({ shell: "head -c 10485760 /dev/zero | tr '\\0' x; echo; echo done" }));
    expect(Buffer.byteLength(oneLine.outputTail)).toBeLessThanOrEqual(4096);
    expect(oneLine.outputTail).toMatch(/^…x{1024}\ndone$/);

    const manyLines = await runCommand(input({ shell: 'yes "some output line" | head -n 600000; echo done' }));
    const lines = manyLines.outputTail.split('\n');
    expect(Buffer.byteLength(manyLines.outputTail)).toBeLessThanOrEqual(4096);
    expect(lines).toHaveLength(40);
    expect(lines.at(-1)).toBe('done');
    expect(manyLines.lastLine).toBe('done');
  });

  test('logs are structured and carry the step and the node', async () => {
    const { runCommand, logs } = harness();
    await runCommand(input({ argv: ['true'] }));
    const records = logs()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.msg)).toEqual(['command started', 'command succeeded']);
    for (const record of records) {
      expect(record).toMatchObject({ plan: 'demo-plan', runId: 'demo-plan-7', service: 'api', step: 'migrate', node: 'macpro51' });
    }
  });
});
