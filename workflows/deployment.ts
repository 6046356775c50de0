import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, log, patched } from '@temporalio/workflow';
import { pausesOnInconclusive } from '../plan/inconclusive';
import { blockedServices, eligibleServices, isSettled } from '../plan/scheduling';
import { analysisAction, type AnalysisVerdict } from '../plan/analysis';
import type { BackgroundCheck } from '../plan/types';
import { Analyses } from './analyses';
import { ServiceChildren, type ChildResult } from './children';
import { Controls } from './controls';
import { finalRecord } from './final-record';
import { GateKeeper, gateFails, gatePasses } from './gates';
import { registerHandlers } from './handlers';
import { HistoryGuard } from './history-guard';
import { endEvent } from './notification';
import { Notifier } from './notifier';
import { PATCHES } from './patches';
import { RUN_NOT_SUCCEEDED, type AnalysisProgress, type RunOutcome, type RunState } from './progress';
import { rollBack } from './rollback';
import { RunBook, now, type DeploymentInput } from './run-book';
import { Tuner } from './tuning';
import { WindowKeeper } from './windows';

export type { DeploymentInput } from './run-book';

/**
 * The deployment: runs a plan's services as child workflows, wave by wave (or as their own
 * dependencies allow), holds gates, and applies `onFailure` when a service fails.
 */
export async function deploymentWorkflow(input: DeploymentInput): Promise<RunOutcome> {
  const book = new RunBook(input);
  const notifier = new Notifier(book);
  const gates = new GateKeeper(book, notifier);
  const controls = new Controls(book);
  const tuner = new Tuner(book, controls);
  const analyses = new Analyses(book, (analysis, spec, verdict) => analysisEnded(book, controls, notifier, analysis, spec, verdict));
  controls.onAnalysisDecision = (service, name, action) => (action === 'retry' ? analyses.restart(service, name) : analyses.skip(service, name));
  const children = new ServiceChildren(book, (name, result) => settle(book, controls, notifier, analyses, name, result), tuner);
  const windows = new WindowKeeper(book);
  registerHandlers(book, gates, controls, children, windows, tuner);
  book.setRunState('running');

  try {
    await schedule(book, gates, controls, children, windows, tuner, analyses);
  } catch (err) {
    // Cancelling the workflow (Web UI, `temporal workflow cancel`) is an abort with rollback.
    if (!isCancellation(err)) throw err;
    controls.requestStop({ reason: 'the workflow was cancelled', rollback: true, aborted: true });
  }
  // A cancelled workflow still rolls back, records its end and lets handlers finish.
  await CancellationScope.nonCancellable(async () => {
    const final = await finish(book, controls, children, notifier, analyses);
    book.progress.endedAt = now();
    book.setRunState(final);
    notifier.send(endEvent(final, controls.stop?.rollback === true));
    // The notifications' children outlive the run (ABANDON), once they have started.
    await notifier.started();
    await condition(allHandlersFinished);
  });
  const outcome: RunOutcome = {
    runId: book.progress.runId,
    state: book.progress.state,
    failure: book.progress.failure,
    services: Object.fromEntries(Object.values(book.progress.services).map((s) => [s.name, s.state])),
    // Data in the result only, no new command: histories replay the same with or without it.
    final: finalRecord(book.progress),
  };
  if (outcome.state !== 'succeeded') {
    throw ApplicationFailure.nonRetryable(`${outcome.state}: ${outcome.failure ?? 'see the run progress'}`, RUN_NOT_SUCCEEDED, outcome);
  }
  return outcome;
}

/** The main loop: start what may start, then wait for anything to change. */
async function schedule(book: RunBook, gates: GateKeeper, controls: Controls, children: ServiceChildren, windows: WindowKeeper, tuner: Tuner, analyses: Analyses): Promise<void> {
  const { strategy } = book.plan;
  const history = new HistoryGuard();
  for (;;) {
    const before = book.version;
    const pressure = controls.stop ? undefined : history.pressure();
    if (pressure) controls.requestStop({ reason: pressure, rollback: true });
    if (controls.stop) return;
    // While a decision is pending, the failed service may still be retried: its dependents wait.
    const blocked = controls.pendingDecision ? [] : blockedServices({ plan: book.plan, states: book.states() });
    for (const name of blocked) {
      book.setServiceState(name, 'skipped');
      book.service(name).error = 'a dependency did not succeed';
    }
    // Held services go back to pending once their gates are decided, so this pass can start them.
    for (const s of Object.values(book.progress.services)) {
      if (s.state === 'awaiting-approval' && gates.gatesFor(s.name).every((g) => gatePasses(g) || gateFails(g))) book.setServiceState(s.name, 'pending');
    }
    // `maestro tune --pause-after-wave N`: waves 1..N have settled, later ones wait for resume.
    tuner.pauseIfDue();
    if (!controls.paused) {
      for (const name of eligibleServices({ plan: book.plan, waves: book.progress.waves, states: book.states(), mode: strategy.mode })) {
        if (children.size >= tuner.maxParallel) break;
        // A wave boundary outside the deploy windows or inside a freeze: wait, running steps go on.
        const wave = book.service(name).wave;
        if (!tuner.mayStart(wave)) continue;
        if (!windows.mayStart(wave)) continue;
        const held = gates.gatesFor(name).filter((g) => !gatePasses(g));
        const failed = held.find(gateFails);
        if (failed) {
          onGateFailed(book, controls, name, failed.id, failed.reason ?? failed.state);
          continue;
        }
        if (held.length) {
          held.forEach((g) => gates.open(g));
          if (book.service(name).state !== 'awaiting-approval') book.setServiceState(name, 'awaiting-approval');
          continue;
        }
        windows.started(wave);
        children.start(name, controls.paused);
      }
    }
    updateRunState(book, gates, controls);
    const settled = Object.values(book.progress.services).every((s) => isSettled(s.state));
    // A failed last service under onFailure: pause still waits for the operator's decision.
    const awaitingDecision = controls.pendingDecision !== undefined && patched(PATCHES.waitForDecisionWhenSettled);
    // A background check with a window (a bake) holds the run until it has passed or failed.
    if (settled && children.size === 0 && !awaitingDecision && !analyses.holding()) return;
    // A pass that changed something (a gate failed, a service was released) gets another pass.
    // Also woken by history growth alone: refused signals change no state.
    if (book.version === before) await condition(() => book.version !== before || history.due);
  }
}

function updateRunState(book: RunBook, gates: GateKeeper, controls: Controls): void {
  if (controls.paused) book.setRunState('paused');
  else if (gates.gates.some((g) => g.state === 'open')) book.setRunState('awaiting-approval');
  else book.setRunState('running');
}

/** A child finished: record it and apply onFailure. */
function settle(book: RunBook, controls: Controls, notifier: Notifier, analyses: Analyses, name: string, result: ChildResult): void {
  const progress = book.service(name);
  progress.endedAt = now();
  const record = result.result;
  if (record) {
    for (const node of record.nodesDown) book.nodesDown.add(node);
    progress.steps = record.steps;
    progress.node = record.node;
    progress.nodesDown = record.nodesDown;
  }
  if (result.ok) {
    book.setServiceState(name, 'succeeded');
    // Its background checks watch it from now on, while later waves go on.
    if (!controls.stop && book.plan.services.find((s) => s.name === name)?.analysis?.length && patched(PATCHES.backgroundChecks)) analyses.startFor(name);
    return;
  }
  progress.error = result.error;
  // What the child could not undo is part of the run's record; old runs replay as they ran.
  const undoFailures = record?.undoFailures ?? [];
  const recorded = undoFailures.length > 0 && patched(PATCHES.recordChildUndoFailures);
  if (recorded) book.progress.rollbackFailures.push(...undoFailures);
  if (result.cancelled) {
    book.setServiceState(name, recorded ? 'rollback-failed' : 'cancelled');
    return;
  }
  book.setServiceState(name, 'failed');
  log.warn('service failed', { service: name, error: result.error });
  if (controls.stop) return;
  // A metric check that could not tell (inconclusive: pause) waits for a person, whatever onFailure says.
  if (record?.end === 'failed' && record.inconclusive && pausesOnInconclusive(book.plan.services.find((s) => s.name === name), record.steps.find((s) => s.state === 'failed')?.name) && patched(PATCHES.inconclusivePauses)) {
    controls.awaitDecision(name, result.error);
    notifier.send('decision-needed');
    return;
  }
  switch (book.plan.strategy.onFailure) {
    case 'rollback':
      controls.requestStop({ reason: result.error, rollback: true });
      break;
    case 'pause':
      controls.awaitDecision(name, result.error);
      notifier.send('decision-needed');
      break;
    case 'continue':
      book.progress.failure ??= result.error;
      break;
  }
}

/** A background check failed or could not tell: the plan's onFailure applies, as for a failed step (plan/analysis.ts decides). */
function analysisEnded(book: RunBook, controls: Controls, notifier: Notifier, analysis: AnalysisProgress, spec: BackgroundCheck, verdict: AnalysisVerdict): void {
  log.warn('background check ended badly', { service: analysis.service, analysis: analysis.name, verdict: verdict.kind, error: verdict.error });
  if (controls.stop) return;
  const inconclusive = spec.check.kind === 'prometheus' ? spec.check.prometheus.inconclusive : undefined;
  switch (analysisAction(verdict, inconclusive, book.plan.strategy.onFailure)) {
    case 'rollback':
      controls.requestStop({ reason: verdict.error, rollback: true });
      break;
    case 'decide':
      controls.awaitDecision(analysis.service, verdict.error, analysis.name);
      notifier.send('decision-needed');
      break;
    case 'record':
      book.progress.failure ??= verdict.error;
      break;
  }
}

/** A rejected or timed-out gate: `continue` skips what it holds, anything else rolls back. */
function onGateFailed(book: RunBook, controls: Controls, service: string, gate: string, reason: string): void {
  const message = `gate ${gate} did not pass: ${reason}`;
  if (book.plan.strategy.onFailure === 'continue') {
    book.service(service).error = message;
    book.setServiceState(service, 'skipped');
    book.progress.failure ??= message;
    return;
  }
  if (!controls.stop) controls.requestStop({ reason: message, rollback: true });
}

/** After the loop: stop what runs, roll back if asked, and name the final state. */
async function finish(book: RunBook, controls: Controls, children: ServiceChildren, notifier: Notifier, analyses: Analyses): Promise<RunState> {
  // Background checks end with the run: before a rollback, so none judges services being undone.
  await analyses.stopAll();
  const final = await finalState(book, controls, children, notifier, analyses);
  // An undo that failed anywhere (in a failed or cancelled service, or in the rollback) leaves the run incomplete.
  return final !== 'succeeded' && book.progress.rollbackFailures.length > 0 ? 'rollback-incomplete' : final;
}

async function finalState(book: RunBook, controls: Controls, children: ServiceChildren, notifier: Notifier, analyses: Analyses): Promise<RunState> {
  const stop = controls.stop;
  if (!stop) {
    const failed = Object.values(book.progress.services).some((s) => s.state === 'failed' || s.state === 'skipped') || analyses.anyFailed();
    return failed ? 'failed' : 'succeeded';
  }
  book.progress.failure ??= stop.reason;
  if (stop.rollback) {
    book.setRunState('rolling-back');
    notifier.send('rollback-started');
  }
  await children.cancelAll();
  for (const s of Object.values(book.progress.services)) if (!isSettled(s.state) && s.state !== 'running') book.setServiceState(s.name, 'skipped');
  if (stop.rollback) {
    book.setRunState('rolling-back');
    const failures = await rollBack(book, children);
    book.progress.rollbackFailures.push(...failures);
    return failures.length ? 'rollback-incomplete' : stop.aborted ? 'aborted' : 'rolled-back';
  }
  return stop.aborted ? 'aborted' : 'failed';
}
