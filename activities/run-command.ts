import { stat } from 'node:fs/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { CommandSpec } from '../plan/types';
import { FAILURE_TYPES } from './failure-types';
import { Heartbeater } from './heartbeater';
import type { ResolvedDeps } from './options';
import { OutputTail } from './output-tail';
import { createRedactor, inheritedEnv, resolveEnv, runSecretValues } from './secrets';
import { createStepGuard, type TrustedCommand } from './step-guard';
import { supervise, type Outcome } from './supervise';
import type {
  CommandFailedDetails,
  CommandTimedOutDetails,
  RunCommandHeartbeat,
  RunCommandInput,
  RunCommandResult,
  StepContext,
} from './types';

/** Output lines quoted in failure messages (the full tail is in the failure details). */
const MESSAGE_LINES = 10;

/** `service/step`, or `service/step (undo)`: how messages and logs name a step. */
export function stepLabel(context: StepContext): string {
  return `${context.service}/${context.step}${context.phase === 'undo' ? ' (undo)' : ''}`;
}

function toArgv(command: CommandSpec, where: string): [string, string[]] {
  if ('shell' in command) return ['/bin/sh', ['-c', command.shell]];
  const [file, ...args] = command.argv;
  if (file === undefined || file === '') {
    throw ApplicationFailure.nonRetryable(`${where}: empty command`, FAILURE_TYPES.invalidStep);
  }
  return [file, args];
}

async function assertDirectory(cwd: string, where: string): Promise<void> {
  const found = await stat(cwd).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw ApplicationFailure.nonRetryable(
      `${where}: working directory ${cwd} does not exist on this worker`,
      FAILURE_TYPES.commandNotFound,
    );
  }
}

function withLines(message: string, tail: OutputTail): string {
  const lines = tail.lastLines(MESSAGE_LINES);
  return lines === '' ? `${message} (no output)` : `${message}; last output:\n${lines}`;
}

export function createRunCommand(deps: ResolvedDeps) {
  const guard = createStepGuard(deps.trust);
  return async function runCommand(input: RunCommandInput): Promise<RunCommandResult> {
    const ctx = Context.current();
    const { context } = input;
    const where = stepLabel(context);
    const attempt = ctx.info.attempt;
    const log = deps.logger.child({
      plan: context.plan,
      runId: context.runId,
      service: context.service,
      step: context.step,
      phase: context.phase,
      node: deps.nodeName,
      attempt,
    });

    let step: TrustedCommand;
    try {
      // Before anything else: an untrusted step must not even resolve its secrets.
      step = guard.command(input, ctx.info, where);
    } catch (err) {
      log.warn({ err }, 'step refused');
      throw err;
    }
    const [file, args] = toArgv(step.command, where);
    if (!(step.timeoutMs > 0)) {
      throw ApplicationFailure.nonRetryable(`${where}: timeout must be positive`, FAILURE_TYPES.invalidStep);
    }
    const { vars, secrets } = resolveEnv(step.env, deps.env, where);
    // Every fromEnv value of the run, not only this step's: another step may print $NEON_URL.
    const redactor = createRedactor([...secrets, ...runSecretValues(context.runSecretEnv, deps.env)]);
    await assertDirectory(step.cwd, where);
    ctx.cancellationSignal.throwIfAborted();

    const env: NodeJS.ProcessEnv = {
      ...inheritedEnv(process.env),
      ...vars,
      // Last, so a plan cannot shadow them.
      MAESTRO_PLAN: step.plan,
      MAESTRO_RUN_ID: step.runId,
      MAESTRO_SERVICE: context.service,
      MAESTRO_STEP: context.step,
      MAESTRO_NODE: deps.nodeName,
      MAESTRO_ATTEMPT: String(attempt),
      MAESTRO_IDEMPOTENCY_KEY: context.idempotencyKey,
      MAESTRO_PHASE: context.phase,
    };
    const tail = new OutputTail(deps.tail, redactor);
    const details = (): RunCommandHeartbeat => ({ lastLine: tail.lastLine() });
    const heartbeater = new Heartbeater(() => ctx.heartbeat(details()), deps.heartbeatIntervalMs, deps.heartbeatThrottleMs);

    const commandText = redactor.redact('shell' in step.command ? step.command.shell : JSON.stringify(step.command.argv));
    log.info({ command: commandText, cwd: step.cwd, timeoutMs: step.timeoutMs, signer: step.signer }, 'command started');
    const started = Date.now();
    let outcome: Outcome;
    try {
      outcome = await supervise({
        file,
        args,
        cwd: step.cwd,
        env,
        timeoutMs: step.timeoutMs,
        killGraceMs: deps.killGraceMs,
        signal: ctx.cancellationSignal,
        tail,
        onLine: () => heartbeater.poke(),
        spawn: deps.spawn,
      });
    } finally {
      heartbeater.stop();
    }
    const durationMs = Date.now() - started;
    const outputTail = tail.text();
    const lastLine = tail.lastLine();

    switch (outcome.kind) {
      case 'exited': {
        if (outcome.code === 0) {
          log.info({ durationMs, lastLine }, 'command succeeded');
          return { exitCode: 0, durationMs, outputTail, ...(lastLine === undefined ? {} : { lastLine }), node: deps.nodeName, attempt };
        }
        const how = outcome.code === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.code}`;
        log.warn({ durationMs, exitCode: outcome.code, signal: outcome.signal, outputTail }, 'command failed');
        const failed: CommandFailedDetails = { exitCode: outcome.code, signal: outcome.signal, outputTail };
        throw ApplicationFailure.retryable(withLines(`${where} ${how}`, tail), FAILURE_TYPES.commandFailed, failed);
      }
      case 'timed-out': {
        log.warn({ durationMs, timeoutMs: step.timeoutMs, kill: outcome.kill, outputTail }, 'command timed out');
        const timedOut: CommandTimedOutDetails = { timeoutMs: step.timeoutMs, outputTail };
        throw ApplicationFailure.retryable(
          withLines(`${where} timed out after ${step.timeoutMs}ms and was stopped`, tail),
          FAILURE_TYPES.commandTimedOut,
          timedOut,
        );
      }
      case 'cancelled':
        log.info({ durationMs, kill: outcome.kill, lastLine }, 'command cancelled');
        throw ctx.cancellationSignal.reason;
      case 'spawn-error':
        throw spawnFailure(outcome.error, file, where, log);
      case 'lost':
        log.error({ err: outcome.error, durationMs, kill: outcome.kill, outputTail }, 'lost track of the command');
        throw ApplicationFailure.retryable(
          withLines(`${where} was stopped: ${outcome.error.message} while it ran (its process group was ${outcome.kill})`, tail),
          FAILURE_TYPES.commandFailed,
        );
    }
  };
}

function spawnFailure(error: NodeJS.ErrnoException, file: string, where: string, log: Logger): ApplicationFailure {
  log.warn({ err: error, file }, 'command could not start');
  if (error.code === 'ENOENT' || error.code === 'EACCES' || error.code === 'ENOTDIR') {
    const why = error.code === 'EACCES' ? 'is not executable' : 'was not found';
    return ApplicationFailure.nonRetryable(`${where}: executable "${file}" ${why} on this worker`, FAILURE_TYPES.commandNotFound);
  }
  if (error.code?.startsWith('ERR_INVALID_ARG')) {
    // A NUL byte in an argument or the environment: no retry can start it.
    return ApplicationFailure.nonRetryable(`${where}: "${file}" cannot be started: ${error.message}`, FAILURE_TYPES.invalidStep);
  }
  // EAGAIN, EMFILE and the like: the worker is short of something now, maybe not later.
  return ApplicationFailure.retryable(`${where}: could not start "${file}": ${error.message}`, FAILURE_TYPES.commandFailed);
}
