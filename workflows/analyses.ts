import { ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, TimeoutFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { BackgroundCheckHeartbeat, MaestroActivities } from '../activities';
import { FAILURE_TYPES } from '../activities/failure-types';
import { analysesHoldRun, analysisEndsAt, analysisLabel, type AnalysisVerdict } from '../plan/analysis';
import { LIMITS } from '../plan/limits';
import { nodeTaskQueue } from '../plan/task-queues';
import type { BackgroundCheck, MetricCondition } from '../plan/types';
import { analysisActivityPrefix, idempotencyKey } from './ids';
import type { AnalysisProgress } from './progress';
import { now, type RunBook } from './run-book';
import { HEARTBEAT_TIMEOUT_MS } from './step-runner';

/** Room beyond a window for its last probe and the round trip. */
const WINDOW_MARGIN_MS = 30_000;
/** Attempts of a background check's activity: retries are for worker crashes; a verdict is never retried. */
const MAX_ATTEMPTS = 10;

interface Running {
  spec: BackgroundCheck;
  scope: CancellationScope;
  done: Promise<void>;
  /** The run stops it (its end, a rollback): a cancellation, not a verdict. */
  stopping: boolean;
}

/**
 * The run's background checks (`services.<name>.analysis`): each an activity on its service's
 * node, started when the service succeeded and probing while later waves go on; the activity
 * heartbeats its counts, so a worker crash loses nothing. A bad verdict goes to `onBad` (which
 * applies the plan's onFailure); the run waits for those with a window and stops the others.
 */
export class Analyses {
  private readonly running = new Map<string, Running>();
  private starts = 0;

  constructor(
    private readonly book: RunBook,
    private readonly onBad: (analysis: AnalysisProgress, spec: BackgroundCheck, verdict: AnalysisVerdict) => void,
  ) {}

  /** Starts every background check of a service that has just succeeded. */
  startFor(service: string): void {
    for (const spec of this.book.plan.services.find((s) => s.name === service)?.analysis ?? []) this.start(service, spec);
  }

  /** `decide retry` on a failed background check: a new window from now. */
  restart(service: string, name: string): void {
    const spec = this.book.plan.services.find((s) => s.name === service)?.analysis?.find((a) => a.name === name);
    if (spec) this.start(service, spec);
  }

  /** `decide skip`: the check is left as a person decided, and the run goes on. */
  skip(service: string, name: string): void {
    const progress = this.progressOf(service, name);
    if (progress) progress.state = 'skipped';
    this.book.touch();
  }

  /** Whether the run must wait before it ends (a check with a window is still running). */
  holding(): boolean {
    return analysesHoldRun([...this.running.values()].map((r) => r.spec));
  }

  /** Whether any background check ended badly and nobody skipped it. */
  anyFailed(): boolean {
    return (this.book.progress.analyses ?? []).some((a) => a.state === 'failed' || a.state === 'inconclusive');
  }

  /** Stops every running check (the run ends or rolls back) and waits until each has. */
  async stopAll(): Promise<void> {
    const running = [...this.running.values()];
    for (const r of running) {
      r.stopping = true;
      r.scope.cancel();
    }
    await Promise.all(running.map((r) => r.done));
  }

  private progressOf(service: string, name: string): AnalysisProgress | undefined {
    return this.book.progress.analyses?.find((a) => a.service === service && a.name === name);
  }

  private start(service: string, spec: BackgroundCheck): void {
    const { book } = this;
    const key = analysisLabel(service, spec.name);
    const node = book.service(service).node;
    const startedMs = Date.now();
    const endsAtMs = analysisEndsAt(startedMs, spec.until);
    const { check } = spec;
    const progress: AnalysisProgress = {
      service,
      name: spec.name,
      kind: check.kind,
      state: 'running',
      node,
      startedAt: new Date(startedMs).toISOString(),
      ...(endsAtMs === undefined ? {} : { endsAt: new Date(endsAtMs).toISOString() }),
      ...(check.kind === 'prometheus' ? { query: check.prometheus.query, condition: conditionText(check.prometheus.condition) } : {}),
    };
    const list = (book.progress.analyses ??= []);
    const earlier = list.findIndex((a) => a.service === service && a.name === spec.name);
    if (earlier >= 0) list[earlier] = progress;
    else list.push(progress);
    book.touch();
    if (node === undefined) {
      this.ended(progress, spec, { kind: 'failed', error: `${key}: the service has no node to probe from` });
      return;
    }
    this.starts += 1;
    const scope = new CancellationScope();
    const entry: Running = { spec, scope, done: Promise.resolve(), stopping: false };
    const context = { plan: book.plan.name, runId: book.progress.runId, service, step: spec.name, phase: 'do' as const, idempotencyKey: `${idempotencyKey({ runId: book.progress.runId, service, step: spec.name, phase: 'do' })}@analysis`, ...book.secretEnv };
    const activities = proxyActivities<MaestroActivities>({
      taskQueue: nodeTaskQueue(node),
      activityId: `${analysisActivityPrefix(service, spec.name)}${this.starts}`,
      startToCloseTimeout: spec.until.kind === 'window' ? spec.until.forMs + WINDOW_MARGIN_MS : LIMITS.durationMs,
      scheduleToStartTimeout: book.plan.strategy.nodeTimeoutMs,
      heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
      cancellationType: ActivityCancellationType.TRY_CANCEL,
      retry: { maximumAttempts: MAX_ATTEMPTS, nonRetryableErrorTypes: [FAILURE_TYPES.invalidStep, FAILURE_TYPES.untrustedStep, FAILURE_TYPES.checkFailed, FAILURE_TYPES.checkInconclusive] },
      summary: `background check ${key} @ ${node}`,
    });
    entry.done = scope
      .run(() => activities.runBackgroundCheck({ check, context, ...(endsAtMs === undefined ? {} : { endsAt: new Date(endsAtMs).toISOString() }), ...book.signedArg(service) }))
      .then(
        (result) => {
          this.running.delete(key);
          Object.assign(progress, { state: 'passed', endedAt: now(), probes: result.probes, lastObservation: result.lastObservation }, result.values ? { lastValues: result.values } : {});
          book.touch();
        },
        (err: unknown) => {
          this.running.delete(key);
          if (entry.stopping || isCancellation(err)) {
            progress.state = 'stopped';
            progress.endedAt = now();
            book.touch();
            return;
          }
          const { verdict, details } = verdictOf(err, node);
          if (details) Object.assign(progress, { probes: details.probes, lastObservation: details.lastObservation }, details.values ? { lastValues: details.values } : {});
          this.ended(progress, spec, verdict);
        },
      );
    this.running.set(key, entry);
  }

  private ended(progress: AnalysisProgress, spec: BackgroundCheck, verdict: AnalysisVerdict): void {
    progress.state = verdict.kind;
    progress.error = verdict.error;
    progress.endedAt = now();
    this.book.touch();
    this.onBad(progress, spec, verdict);
  }
}

function conditionText(condition: { success: MetricCondition } | { failure: MetricCondition }): string {
  return 'success' in condition ? `good when every value ${condition.success.op} ${condition.success.value}` : `bad when any value ${condition.failure.op} ${condition.failure.value}`;
}

function verdictOf(err: unknown, node: string): { verdict: AnalysisVerdict; details?: BackgroundCheckHeartbeat } {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as BackgroundCheckHeartbeat | undefined;
      const kind = cause.type === FAILURE_TYPES.checkInconclusive ? 'inconclusive' : 'failed';
      return { verdict: { kind, error: cause.message }, details: details && typeof details.probes === 'number' ? details : undefined };
    }
    if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') {
      return { verdict: { kind: 'failed', error: `node ${node} is down: nobody took the background check within the node timeout` } };
    }
    return { verdict: { kind: 'failed', error: cause?.message ?? err.message } };
  }
  return { verdict: { kind: 'failed', error: (err as Error).message } };
}
