/**
 * Timings from workflow histories (server timestamps): when each step became ready, was
 * scheduled, was picked up by a node worker, and finished; when each service child started.
 */
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { percentile } from './stats';

type History = temporal.api.history.v1.IHistory;
type Timestamp = temporal.api.history.v1.IHistoryEvent['eventTime'];

const toMs = (ts: Timestamp): number => optionalTsToMs(ts) ?? NaN;

/** One step of a service child, in ms since the epoch. */
export interface StepTiming {
  ready: number;
  scheduled: number;
  started: number;
  completed: number;
}

/** Workflow tasks of one history: time queued (scheduled → started) and run by the worker (started → completed). */
export interface WorkflowTaskTimings {
  queued: number[];
  run: number[];
}

export function workflowTaskTimings(history: History): WorkflowTaskTimings {
  const at = new Map<string, number>();
  const queued: number[] = [];
  const run: number[] = [];
  for (const e of history.events ?? []) {
    const t = toMs(e.eventTime);
    if (e.workflowTaskScheduledEventAttributes) at.set(String(e.eventId), t);
    else if (e.workflowTaskStartedEventAttributes) {
      const scheduled = at.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId));
      if (scheduled !== undefined) queued.push(t - scheduled);
      at.set(String(e.eventId), t);
    } else if (e.workflowTaskCompletedEventAttributes) {
      const started = at.get(String(e.workflowTaskCompletedEventAttributes.startedEventId));
      if (started !== undefined) run.push(t - started);
    }
  }
  return { queued, run };
}

export interface ChildTiming {
  startedAt: number;
  closedAt: number;
  succeeded: boolean;
  steps: StepTiming[];
  workflowTaskFailures: number;
}

/** A service child's history → its steps' timings. A step is ready when the previous one completed (the first: when the child started). */
export function childTiming(history: History): ChildTiming {
  const events = history.events ?? [];
  const first = events[0];
  const startedAt = toMs(first?.eventTime);
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
  const steps: StepTiming[] = [];
  let closedAt = NaN;
  let succeeded = false;
  let workflowTaskFailures = 0;
  let ready = startedAt;
  for (const e of events) {
    const at = toMs(e.eventTime);
    const id = String(e.eventId ?? '');
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, at);
    else if (e.activityTaskStartedEventAttributes) started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId ?? ''), at);
    else if (e.activityTaskCompletedEventAttributes) {
      const sid = String(e.activityTaskCompletedEventAttributes.scheduledEventId ?? '');
      steps.push({ ready, scheduled: scheduled.get(sid) ?? NaN, started: started.get(sid) ?? NaN, completed: at });
      ready = at;
    } else if (e.workflowTaskFailedEventAttributes) workflowTaskFailures++;
    else if (e.workflowExecutionCompletedEventAttributes) {
      closedAt = at;
      succeeded = true;
    } else if (e.workflowExecutionFailedEventAttributes || e.workflowExecutionCanceledEventAttributes || e.workflowExecutionTerminatedEventAttributes || e.workflowExecutionTimedOutEventAttributes) {
      closedAt = at;
    }
  }
  return { startedAt, closedAt, succeeded, steps, workflowTaskFailures };
}

export interface ParentTiming {
  startedAt: number;
  closedAt: number;
  events: number;
  workflowTasks: number;
  workflowTaskFailures: number;
  /** Events that failed with a limit, e.g. "exceeds the size limit" or pending-children limits. */
  limitErrors: string[];
}

const LIMIT_PATTERN = /limit|exceed|too (many|large)|SIZE/i;

export function parentTiming(history: History): ParentTiming {
  const events = history.events ?? [];
  const limitErrors: string[] = [];
  let workflowTasks = 0;
  let workflowTaskFailures = 0;
  for (const e of events) {
    if (e.workflowTaskCompletedEventAttributes) workflowTasks++;
    const wftFailed = e.workflowTaskFailedEventAttributes;
    if (wftFailed) {
      workflowTaskFailures++;
      // Server-side limits fail the workflow task with a cause (e.g. PENDING_CHILD_WORKFLOWS_LIMIT_EXCEEDED).
      const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[wftFailed.cause ?? 0] ?? String(wftFailed.cause);
      const text = `${cause}: ${wftFailed.failure?.message ?? ''}`;
      if (LIMIT_PATTERN.test(text)) limitErrors.push(`workflow task failed, ${text}`);
    }
    const reason = e.workflowExecutionTerminatedEventAttributes?.reason ?? e.workflowExecutionFailedEventAttributes?.failure?.message;
    if (reason && LIMIT_PATTERN.test(reason)) limitErrors.push(reason);
  }
  return { startedAt: toMs(events[0]?.eventTime), closedAt: toMs(events[events.length - 1]?.eventTime), events: events.length, workflowTasks, workflowTaskFailures, limitErrors };
}

export interface Distribution {
  p50?: number;
  p95?: number;
  max?: number;
  count: number;
}

export function distribution(samples: readonly number[]): Distribution {
  const clean = samples.filter((x) => Number.isFinite(x));
  return { p50: percentile(clean, 50), p95: percentile(clean, 95), max: percentile(clean, 100), count: clean.length };
}

export interface OverheadBreakdown {
  /** Ready → the activity's start on a node worker: the per-step orchestration overhead. */
  step: Distribution;
  /** Ready → ActivityTaskScheduled: the child's workflow task. */
  schedule: Distribution;
  /** ActivityTaskScheduled → ActivityTaskStarted: matching and a free node-worker slot. */
  dispatch: Distribution;
  /** ActivityTaskStarted → ActivityTaskCompleted: the command itself, plus the result's way back. */
  execution: Distribution;
  /** The latest dependency's close (or the run's start) → the service child's start: the parent's share. */
  serviceStart: Distribution;
}

/** Overheads across all children; `deps` maps a service to its dependencies. */
export function overheads(parent: ParentTiming, children: Map<string, ChildTiming>, deps: Map<string, readonly string[]>): OverheadBreakdown {
  const steps = [...children.values()].flatMap((c) => c.steps);
  const serviceStart = [...children.entries()].map(([name, child]) => {
    const depClose = (deps.get(name) ?? []).map((d) => children.get(d)?.closedAt ?? NaN);
    return child.startedAt - Math.max(parent.startedAt, ...depClose);
  });
  return {
    step: distribution(steps.map((s) => s.started - s.ready)),
    schedule: distribution(steps.map((s) => s.scheduled - s.ready)),
    dispatch: distribution(steps.map((s) => s.started - s.scheduled)),
    execution: distribution(steps.map((s) => s.completed - s.started)),
    serviceStart: distribution(serviceStart),
  };
}
