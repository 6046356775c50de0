import { CancelledFailure, Context } from '@temporalio/activity';
import { ActivityCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BackgroundCheckResult, CheckResult, MaestroActivities, RunBackgroundCheckInput, RunCheckInput, RunCommandInput, RunCommandResult, StepContext } from '../../activities';
import { FAILURE_TYPES } from '../../activities/failure-types';

/** A step made to fail in a simulation: `SERVICE/STEP`, for attempts up to `throughAttempt` (every attempt when absent). */
export interface InjectedFailure {
  service: string;
  step: string;
  throughAttempt?: number;
}

/** One activity of a simulated run, in server time (ms since the epoch). */
export interface SimulatedActivity {
  service: string;
  step: string;
  phase: 'do' | 'undo';
  node: string;
  attempt: number;
  startMs: number;
  endMs: number;
  outcome: 'succeeded' | 'failed' | 'cancelled';
}

export interface StandInOptions {
  env: TestWorkflowEnvironment;
  /** The node this worker stands in for. */
  node: string;
  /** Server-time length of a step's activity, overhead included (its undo takes as long as the step). */
  durationMs(service: string, step: string, phase: 'do' | 'undo'): number;
  /** The failures to inject, read at each activity. */
  failures(): readonly InjectedFailure[];
  /** Receives every activity as it ends. */
  record(activity: SimulatedActivity): void;
}

/**
 * Heartbeats go out at this server-time interval, under the workflows' 10 s heartbeat timeout.
 * Each is a round trip, so not more often: a cancelled sibling may stop up to this much later
 * than a real command would (those heartbeat every ~2 s).
 */
const HEARTBEAT_EVERY_MS = 8_000;



/**
 * Activities with the real ones' names and results that run no command: each takes its step's
 * expected duration of *server* time, so the time-skipping server jumps from one step's end to
 * the next while the production workflows decide what runs when.
 *
 * Time only skips while every running activity sleeps: the server holds time still for each
 * scheduled activity, and `unlockTimeSkippingWithSleep` releases exactly that one hold until the
 * sleep is over. Heartbeats go through the client (the worker's own heartbeats are throttled in
 * wall time, which hardly passes here), and bring cancellation back like a real heartbeat does.
 */
export function createStandInActivities(options: StandInOptions): MaestroActivities {
  const { env, node } = options;
  const client: Client = env.client;

  async function take(context: StepContext): Promise<number> {
    const info = Context.current().info;
    const startMs = await env.currentTimeMs();
    const end = (outcome: SimulatedActivity['outcome'], endMs: number) =>
      options.record({ service: context.service, step: context.step, phase: context.phase, node, attempt: info.attempt, startMs, endMs, outcome });
    try {
      let left = options.durationMs(context.service, context.step, context.phase);
      while (left > 0) {
        const chunk = Math.min(left, HEARTBEAT_EVERY_MS);
        await env.sleep(chunk);
        left -= chunk;
        if (left > 0) await client.activity.heartbeat(info.taskToken);
      }
    } catch (err) {
      if (err instanceof ActivityCancelledError) {
        end('cancelled', await env.currentTimeMs());
        throw new CancelledFailure('cancelled');
      }
      throw err;
    }
    const endMs = await env.currentTimeMs();
    const injected = context.phase === 'do' && options.failures().find((f) => f.service === context.service && f.step === context.step);
    if (injected && (injected.throughAttempt === undefined || info.attempt <= injected.throughAttempt)) {
      end('failed', endMs);
      throw ApplicationFailure.retryable(`${context.service}/${context.step}: simulated failure (attempt ${info.attempt})`, FAILURE_TYPES.commandFailed, {
        exitCode: 1,
        signal: null,
        outputTail: 'simulated failure',
      });
    }
    end('succeeded', endMs);
    return endMs - startMs;
  }

  return {
    async runCommand(input: RunCommandInput): Promise<RunCommandResult> {
      const durationMs = await take(input.context);
      return { exitCode: 0, durationMs, outputTail: '', lastLine: 'simulated', node, attempt: Context.current().info.attempt };
    },
    async runCheck(input: RunCheckInput): Promise<CheckResult> {
      const passedAfterMs = await take(input.context);
      return { probes: input.check.successes, passedAfterMs, lastObservation: 'simulated', node, attempt: Context.current().info.attempt };
    },
    /** A background check that stays good: it lasts its window, or until the run cancels it. */
    async runBackgroundCheck(input: RunBackgroundCheckInput): Promise<BackgroundCheckResult> {
      const { taskToken } = Context.current().info;
      const endsAt = input.endsAt === undefined ? undefined : Date.parse(input.endsAt);
      try {
        for (;;) {
          const left = endsAt === undefined ? HEARTBEAT_EVERY_MS : endsAt - (await env.currentTimeMs());
          if (left <= 0) return { probes: 1, lastObservation: 'simulated', node };
          await env.sleep(Math.min(left, HEARTBEAT_EVERY_MS));
          await client.activity.heartbeat(taskToken);
        }
      } catch (err) {
        if (err instanceof ActivityCancelledError) throw new CancelledFailure('cancelled');
        throw err;
      }
    },
  };
}
