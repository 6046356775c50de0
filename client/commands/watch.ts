import type { Client } from '@temporalio/client';
import { FINAL_RUN_STATES, type RunProgress } from '../../workflows/progress';
import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import { EXIT, type ExitCode } from '../exit-codes';
import type { Output } from '../output';
import { existingRun, type DeploymentHandle } from '../run/handle';
import { readProgress } from '../run/progress';
import { etaText, liveLines } from '../render/live-lines';
import { oneLine } from '../render/table';
import { estimateRun } from '../run/eta';
import { diffProgress, type WatchEvent } from '../run/events';
import { fetchRunInput, withLiveSteps } from '../run/history';
import { learnHistory } from '../simulate/learn';
import { LiveView } from '../render/live-view';

export interface WatchRunOptions {
  client: Client;
  /** The run to follow, as `run` has it. Either this or `runId`. */
  handle?: DeploymentHandle;
  /** The id of the run to follow; an unknown id is invalid input (exit 2). */
  runId?: string;
  output: Output;
  /** One JSON object per event (and a last one with the final progress) instead of text. Default false. */
  json?: boolean;
  /** Redraw a live view instead of printing events. Default: when the output is a TTY and not `json`. */
  live?: boolean;
  /** Milliseconds between progress queries. Default `DEFAULT_POLL_MS`. */
  pollMs?: number;
  /** Stop following (the run goes on); resolves with the last state seen. */
  signal?: AbortSignal;
}

export interface WatchResult {
  /** 0 when the run succeeded, 1 otherwise (including a run still going when the watch stopped). */
  exitCode: ExitCode;
  progress: RunProgress;
}

/** Milliseconds between progress queries unless `--interval` (`pollMs`) says otherwise. */
export const DEFAULT_POLL_MS = 500;

/** How long one poll may take before it counts as unanswered (no orchestrator worker, server busy). */
const POLL_DEADLINE_MS = 10_000;
/** Every this many polls, check that the workflow is still open (a terminated run never reaches a final state). */
const DESCRIBE_EVERY = 10;

/**
 * Follows a run until it ends: a live view on a TTY, one plain line per event otherwise. All it
 * shows comes from the run's `progress` query, so attaching again after the CLI was killed shows
 * the same state. `maestro run --watch` calls this with the handle it started.
 */
export async function watchRun(options: WatchRunOptions): Promise<WatchResult> {
  const { client, output } = options;
  const handle = options.handle ?? (await existingRun(client, required(options.runId)));
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const live = options.live ?? (output.isTTY && !options.json);
  // The plan (for the ETA) only feeds the live view; reading it decodes the run's whole input.
  const input = live ? await fetchRunInput(client, handle.workflowId).catch(() => undefined) : undefined;
  // Steps without an estimate weigh what they took in the plan's past runs.
  const learned = input ? (await learnHistory(client, input.plan.name).catch(() => undefined))?.samples : undefined;
  const view = live ? new LiveView() : undefined;
  const emit = (event: WatchEvent) => {
    const at = new Date().toISOString();
    output.out(options.json ? JSON.stringify({ at, ...event }) : `${at.slice(11, 19)} ${event.text}`);
  };

  let prev: RunProgress | undefined;
  let complained = false;
  let closed: string | undefined;
  for (let poll = 0; ; poll++) {
    let progress: RunProgress | undefined;
    try {
      progress = await readProgress(client, handle, { deadlineMs: POLL_DEADLINE_MS });
      complained = false;
    } catch (err) {
      if (!complained) output.err(`progress of ${handle.workflowId} not available (${(err as Error).message}); still trying — is an orchestrator worker running?`);
      complained = true;
    }
    if (progress) {
      if (view) {
        await withLiveSteps(client, progress);
        const eta = input ? estimateRun(input.plan, progress, Date.now(), learned) : undefined;
        view.render(liveLines(progress), eta?.fraction ?? 0, etaText(progress, eta));
      } else {
        diffProgress(prev, progress).forEach(emit);
      }
      prev = progress;
      if (FINAL_RUN_STATES.includes(progress.state)) break;
    }
    if (closed) {
      output.err(`run ${handle.workflowId} closed (${closed}) without a final state`);
      break;
    }
    if (poll % DESCRIBE_EVERY === DESCRIBE_EVERY - 1) {
      const status = (await handle.describe()).status.name;
      // Closed meanwhile: one more query tells the final state, if it reached one.
      if (status !== 'RUNNING') closed = status.toLowerCase();
    }
    if (!closed && (options.signal?.aborted || !(await pause(pollMs, options.signal)))) break;
  }
  view?.stop();
  if (!prev) throw new Error(`no progress of ${handle.workflowId} could be read`);
  const exitCode = prev.state === 'succeeded' ? EXIT.ok : EXIT.runFailed;
  if (options.json) output.out(JSON.stringify({ kind: 'end', runId: prev.runId, state: prev.state, exitCode, progress: prev }));
  else if (view) output.out(`run ${prev.runId}: ${prev.state}${prev.failure && prev.state !== 'succeeded' ? ` — ${oneLine(prev.failure)}` : ''}`);
  if (!options.json) for (const f of prev.rollbackFailures) output.out(`NOT UNDONE: ${f.service}/${f.step}: ${oneLine(f.error)}`);
  return { exitCode, progress: prev };
}

export interface WatchOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** See WatchRunOptions.json. */
  json?: boolean;
  /** See WatchRunOptions.pollMs. */
  pollMs?: number;
}

/** `maestro watch <id>`: exit 0 when the run succeeded, 1 once it ended otherwise. */
export async function watchCommand(options: WatchOptions): Promise<number> {
  return withClient(options.connection, async (client) => {
    return (await watchRun({ client, runId: options.runId, output: options.output, json: options.json, pollMs: options.pollMs })).exitCode;
  });
}

function required(runId: string | undefined): string {
  if (!runId) throw new Error('watchRun needs a handle or a runId');
  return runId;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
