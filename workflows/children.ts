import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  ParentClosePolicy,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
} from '@temporalio/workflow';
import { preferNodesUp } from '../plan/routing';
import { serviceUndoWorkflowId, serviceWorkflowId } from './ids';
import { pauseSignal, resumeSignal } from './messages';
import { PATCHES } from './patches';
import type { LegacyServiceOutcome, LegacyUndoOutcome, RollbackFailure, ServiceProgress, ServiceResult, StepProgress } from './progress';
import { now, type RunBook } from './run-book';
import { SERVICE_CANCELLED, SERVICE_FAILED, serviceWorkflow } from './service';
import type { Tuner } from './tuning';
import { serviceUndoWorkflow } from './service-undo';

/**
 * How a child ended, as the parent sees it. `result` is the child's own record (steps, node, undo
 * failures); it is missing only where the child could not give one (a child of a run started
 * before ServiceResult that was cancelled, or a failure outside the child's code).
 */
export type ChildResult = { ok: true; result: ServiceResult } | { ok: false; cancelled: boolean; error: string; result?: ServiceResult };

interface InFlight {
  scope: CancellationScope;
  done: Promise<void>;
}

/** The service children in flight: start, pause, resume, cancel, and what they left to undo. */
export class ServiceChildren {
  private readonly inFlight = new Map<string, InFlight>();
  /** The paused state each running child was last started with or signalled. */
  private readonly childPaused = new Map<string, boolean>();
  private syncing = false;
  /** Services whose child succeeded: the ones a cross-service rollback undoes in an undo child. */
  readonly succeeded = new Set<string>();

  constructor(
    private readonly book: RunBook,
    private readonly onSettled: (service: string, result: ChildResult) => void,
    private readonly tuner: Pick<Tuner, 'candidates'>,
  ) {}

  get size(): number {
    return this.inFlight.size;
  }

  names(): string[] {
    return [...this.inFlight.keys()];
  }

  start(name: string, paused: boolean): void {
    const { book } = this;
    const spec = book.plan.services.find((s) => s.name === name)!;
    const progress = book.service(name);
    const candidates = this.candidates(name);
    progress.node = candidates[0];
    progress.startedAt = now();
    progress.endedAt = undefined;
    progress.error = undefined;
    book.setServiceState(name, 'running');
    const scope = new CancellationScope();
    const done = scope
      .run(() =>
        executeChild(serviceWorkflow, {
          workflowId: serviceWorkflowId(book.progress.runId, name),
          args: [{ runId: book.progress.runId, plan: book.plan.name, wave: progress.wave, service: spec, candidates, nodeTimeoutMs: book.plan.strategy.nodeTimeoutMs, ...book.secretEnv, startPaused: paused, ...book.signedArg(name) }],
          // A cancelled child undoes its own steps; wait for that before going on.
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `${name} (wave ${progress.wave}) on ${candidates[0] ?? '?'}`,
          staticDetails: spec.steps.map((s) => `- ${s.name} (${s.kind})`).join('\n'),
        }),
      )
      .then(
        (returned: ServiceResult | LegacyServiceOutcome): ChildResult => ({ ok: true, result: asResult(name, returned) }),
        (err): ChildResult => childFailure(name, err),
      )
      .then((result) => {
        this.inFlight.delete(name);
        this.childPaused.delete(name);
        if (result.ok) this.succeeded.add(name);
        this.onSettled(name, result);
      });
    this.inFlight.set(name, { scope, done });
    this.childPaused.set(name, paused);
  }

  /** The service's routed nodes without those excluded by `maestro tune`, those this run found down last. */
  private candidates(name: string): string[] {
    const routed = this.tuner.candidates(this.book.routes[name] ?? []);
    const down = this.book.nodesDown;
    // patched() only where the order changes, so runs that never lost a node carry no marker.
    if (!routed.some((n) => down.has(n)) || !patched(PATCHES.avoidKnownDownNodes)) return routed;
    const candidates = preferNodesUp(routed, down);
    if (candidates[0] !== routed[0]) log.info('service skips nodes found down earlier in this run', { service: name, down: routed.filter((n) => down.has(n)), node: candidates[0] });
    return candidates;
  }

  /**
   * Brings every running child to the run's paused state. One pass at a time, and only children
   * whose last known state differs get a signal: a burst of pause/resume signals to the run
   * becomes at most one signal per child per change, never a pile of pending external signals.
   */
  async syncPaused(paused: () => boolean): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      for (;;) {
        const want = paused();
        const stale = this.names().filter((name) => this.childPaused.get(name) !== want);
        if (stale.length === 0) return;
        await Promise.all(
          stale.map(async (name) => {
            await getExternalWorkflowHandle(serviceWorkflowId(this.book.progress.runId, name))
              .signal(want ? pauseSignal : resumeSignal)
              .catch(() => undefined /* it finished meanwhile */);
            this.childPaused.set(name, want);
          }),
        );
      }
    } finally {
      this.syncing = false;
    }
  }

  /** Cancels every child in flight and waits until each has undone its own steps. */
  async cancelAll(): Promise<void> {
    const pending = [...this.inFlight.values()];
    for (const child of pending) child.scope.cancel();
    await Promise.all(pending.map((c) => c.done));
  }

  /**
   * Undoes a succeeded service in a child of its own; never throws. The child gets the service by
   * reference to the plan (its spec and the steps as recorded here), not a copy shipped up from
   * the service child.
   */
  async undo(name: string): Promise<{ steps: StepProgress[]; failures: RollbackFailure[] }> {
    const { book } = this;
    const progress = book.service(name);
    if (!this.succeeded.has(name)) return { steps: progress.steps, failures: [] };
    const spec = book.plan.services.find((s) => s.name === name)!;
    return executeChild(serviceUndoWorkflow, {
      workflowId: serviceUndoWorkflowId(book.progress.runId, name),
      args: [{ runId: book.progress.runId, plan: book.plan.name, service: name, wave: progress.wave, spec, steps: progress.steps, node: progress.node, nodeTimeoutMs: book.plan.strategy.nodeTimeoutMs, ...book.secretEnv, ...book.signedArg(name) }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `undo ${name} (wave ${progress.wave})`,
    }).then(
      (done: ServiceResult | LegacyUndoOutcome) => ('end' in done ? { steps: done.steps, failures: done.undoFailures } : done),
      (err: Error) => ({ steps: progress.steps, failures: [{ service: name, step: '*', error: err.message }] }),
    );
  }
}

/** A succeeded child's return value; children of runs started before ServiceResult returned a ServiceOutcome. */
function asResult(service: string, returned: ServiceResult | LegacyServiceOutcome): ServiceResult {
  if ('end' in returned) return returned;
  return { end: 'succeeded', service, node: returned.node, nodesDown: returned.nodesDown, steps: returned.steps, undoFailures: [] };
}

/** details[0] of a ServiceFailed failure: a ServiceResult, or `{ progress, undoFailures }` from children before it. */
function failedResult(service: string, error: string, details: unknown): ServiceResult | undefined {
  if (!details || typeof details !== 'object') return undefined;
  if ('end' in details) return details as ServiceResult;
  const legacy = details as { progress?: ServiceProgress; undoFailures?: RollbackFailure[] };
  if (!legacy.progress) return undefined;
  const { node, nodesDown, steps } = legacy.progress;
  return { end: 'failed', error, service, node, nodesDown, steps, undoFailures: legacy.undoFailures ?? [] };
}

function childFailure(service: string, err: unknown): ChildResult {
  if (isCancellation(err)) return { ok: false, cancelled: true, error: 'cancelled' };
  if (err instanceof ChildWorkflowFailure) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type === SERVICE_FAILED) {
      return { ok: false, cancelled: false, error: cause.message, result: failedResult(service, cause.message, cause.details?.[0]) };
    }
    if (cause instanceof ApplicationFailure && cause.type === SERVICE_CANCELLED) {
      return { ok: false, cancelled: true, error: 'cancelled', result: cause.details?.[0] as ServiceResult | undefined };
    }
    if (isCancellation(cause)) return { ok: false, cancelled: true, error: 'cancelled' };
    return { ok: false, cancelled: false, error: cause?.message ?? err.message };
  }
  return { ok: false, cancelled: false, error: (err as Error).message };
}

