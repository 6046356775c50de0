import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeArrayFromPayloads, decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import type { BackgroundCheckHeartbeat, CommandFailedDetails, RunCommandResult } from '../../activities';
import type { DeploymentInput } from '../../workflows/deployment';
import { analysisActivityPrefix, serviceWorkflowId } from '../../workflows/ids';
import type { RunProgress } from '../../workflows/progress';

const EventType = temporal.api.enums.v1.EventType;

/**
 * The input a run was started with (its normalized plan). The run's progress does not carry the
 * plan, and `describe()` does not return inputs, so it is read from the first history event;
 * one event is fetched, however long the history.
 */
export async function fetchRunInput(client: Client, workflowId: string, runId?: string): Promise<DeploymentInput | undefined> {
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return undefined;
  const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return input as DeploymentInput | undefined;
}

/** What the last attempt of a command step left behind. */
export interface StepOutput {
  ok: boolean;
  /** Exit code of the command; undefined when it never ran or was killed by a signal. */
  exitCode?: number;
  durationMs?: number;
  /** Bounded, redacted tail of stdout and stderr. */
  outputTail: string;
  /** Why it failed. */
  error?: string;
}

/**
 * The output of the last `run` activity of a service child. Steps keep only their last line in
 * the run's progress (to keep histories small); the full bounded tail is in the activity's
 * result or failure, which the child's own history holds.
 */
export async function fetchStepOutput(client: Client, workflowId: string): Promise<StepOutput | undefined> {
  const converter = client.options.loadedDataConverter;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const [result] = await decodeArrayFromPayloads(converter, event.activityTaskCompletedEventAttributes?.result?.payloads);
      const r = result as RunCommandResult | undefined;
      return { ok: true, exitCode: 0, durationMs: r?.durationMs, outputTail: r?.outputTail ?? '' };
    }
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED || event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT) {
      // Decoded like any failure: messages and details may be encrypted by the payload codec.
      const error = await decodeOptionalFailureToOptionalError(converter, event.activityTaskFailedEventAttributes?.failure ?? event.activityTaskTimedOutEventAttributes?.failure);
      const app = error instanceof ApplicationFailure ? error : error?.cause instanceof ApplicationFailure ? error.cause : undefined;
      const d = app?.details?.[0] as Partial<CommandFailedDetails> | undefined;
      return { ok: false, exitCode: d?.exitCode ?? undefined, outputTail: d?.outputTail ?? '', error: error?.message ?? 'failed' };
    }
  }
  return undefined;
}

/**
 * What the progress query cannot know yet about the running steps of a service: the workflow
 * records a step's last line when it ends, but a running activity heartbeats its last output line
 * and the server knows its attempt. Reads both from the service child's pending activities.
 */
export async function liveStepDetails(client: Client, workflowId: string): Promise<{ lastLine?: string; query?: string; values?: number[]; attempts: number } | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, pending.heartbeatDetails?.payloads);
  const lastLine = (details as { lastLine?: string; lastObservation?: string } | undefined)?.lastLine ?? (details as { lastObservation?: string } | undefined)?.lastObservation;
  const { values, query } = (details ?? {}) as { values?: unknown; query?: unknown };
  return { lastLine, ...(typeof query === 'string' ? { query } : {}), ...(Array.isArray(values) ? { values: values as number[] } : {}), attempts: pending.attempt ?? 1 };
}

/**
 * A running step's latest output line (a metric check's resolved query and values) and attempt, as
 * its heartbeats tell, written into `progress` (`watch` and `status` show them).
 */
export async function withLiveSteps(client: Client, progress: RunProgress): Promise<void> {
  await withLiveAnalyses(client, progress).catch(() => undefined);
  await Promise.all(
    Object.values(progress.services)
      .filter((s) => s.state === 'running')
      .map(async (s) => {
        const step = s.steps.find((x) => x.name === s.currentStep && x.state === 'running');
        const live = step && (await liveStepDetails(client, serviceWorkflowId(progress.runId, s.name)).catch(() => undefined));
        if (!step || !live) return;
        step.attempts = Math.max(step.attempts, live.attempts);
        step.lastLine = live.lastLine ?? step.lastLine;
        if (live.query !== undefined) step.query = live.query;
        if (live.values) step.lastValues = live.values;
      }),
  );
}

/**
 * The running background checks' latest probe — counts, observation and the values a metric
 * query returned — from their heartbeats (the run's own pending activities), written into
 * `progress.analyses`; the workflow records them only when a check ends.
 */
async function withLiveAnalyses(client: Client, progress: RunProgress): Promise<void> {
  const running = (progress.analyses ?? []).filter((a) => a.state === 'running');
  if (running.length === 0) return;
  const description = await client.workflow.getHandle(progress.runId).describe();
  for (const pending of description.raw.pendingActivities ?? []) {
    const id = pending.activityId ?? '';
    const analysis = running.find((a) => id.startsWith(analysisActivityPrefix(a.service, a.name)));
    if (!analysis) continue;
    const [details] = await decodeArrayFromPayloads(client.options.loadedDataConverter, pending.heartbeatDetails?.payloads);
    const beat = details as Partial<BackgroundCheckHeartbeat> | undefined;
    if (typeof beat?.probes !== 'number') continue;
    analysis.probes = beat.probes;
    analysis.lastObservation = beat.lastObservation;
    if (beat.values) analysis.lastValues = beat.values;
    else delete analysis.lastValues;
  }
}
