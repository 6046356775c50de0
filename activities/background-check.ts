import { ApplicationFailure, Context } from '@temporalio/activity';
import { FAILURE_TYPES } from './failure-types';
import { Heartbeater } from './heartbeater';
import type { ResolvedDeps } from './options';
import { proberFor } from './run-check';
import { createStepGuard } from './step-guard';
import type { BackgroundCheckHeartbeat, BackgroundCheckResult, RunBackgroundCheckInput } from './types';

/**
 * A background check (`services.<name>.analysis`): probes every `interval` while later waves go on,
 * until its window ends (passed) or the run cancels it. `failures` bad probes in a row end it as
 * CheckFailed, non-retryable: a failed analysis is a verdict, not a hiccup. Inconclusive probes
 * follow the plan's `inconclusive` as a step's check does; still inconclusive when the window
 * ends is CheckInconclusive, never a pass. Its counts travel in the heartbeats, so a retry after a
 * worker crash goes on where the last attempt was; the window's end is absolute.
 */
export function createRunBackgroundCheck(deps: ResolvedDeps) {
  const guard = createStepGuard(deps.trust);
  return async function runBackgroundCheck(input: RunBackgroundCheckInput): Promise<BackgroundCheckResult> {
    const ctx = Context.current();
    const { context } = input;
    const where = `${context.service}/${context.step} (background check)`;
    const log = deps.logger.child({ plan: context.plan, runId: context.runId, service: context.service, analysis: context.step, node: deps.nodeName, attempt: ctx.info.attempt });
    let check: RunBackgroundCheckInput['check'];
    try {
      check = guard.backgroundCheck(input, ctx.info, where).check;
    } catch (err) {
      log.warn({ err }, 'background check refused');
      throw err;
    }
    const probe = proberFor(check, where);
    const inconclusive = check.kind === 'prometheus' ? check.prometheus.inconclusive : undefined;
    const endsAt = input.endsAt === undefined ? undefined : Date.parse(input.endsAt);
    const resumed = ctx.info.heartbeatDetails as BackgroundCheckHeartbeat | undefined;
    const state: BackgroundCheckHeartbeat = resumed && typeof resumed.probes === 'number' ? { ...resumed } : { probes: 0, bad: 0, unsure: 0, lastObservation: '', lastInconclusive: false };
    const cancel = ctx.cancellationSignal;
    const heartbeater = new Heartbeater(() => ctx.heartbeat({ ...state } satisfies BackgroundCheckHeartbeat), deps.heartbeatIntervalMs, 0);
    const verdict = (message: string, type: string): ApplicationFailure => ApplicationFailure.nonRetryable(`${where}: ${message}`, type, { ...state });
    log.info({ resumedAfter: resumed?.probes, endsAt: input.endsAt }, 'background check started');
    try {
      for (;;) {
        cancel.throwIfAborted();
        const result = await probe(deps.probeTimeoutMs, cancel);
        cancel.throwIfAborted();
        state.probes += 1;
        state.lastObservation = result.observation;
        state.lastInconclusive = result.inconclusive === true;
        if (result.values) state.values = result.values;
        else delete state.values;
        const counted = result.ok ? false : !state.lastInconclusive || inconclusive === 'fail';
        state.bad = result.ok ? 0 : counted ? state.bad + 1 : state.bad;
        state.unsure = state.lastInconclusive ? state.unsure + 1 : 0;
        heartbeater.poke();
        if (inconclusive === 'pause' && state.unsure >= check.failures) {
          log.warn(state, 'background check inconclusive');
          throw verdict(`${state.lastObservation} (${state.unsure} inconclusive probe${state.unsure === 1 ? '' : 's'} in a row)`, FAILURE_TYPES.checkInconclusive);
        }
        if (state.bad >= check.failures) {
          log.warn(state, 'background check failed');
          throw verdict(`${state.lastObservation} (${state.bad} bad probe${state.bad === 1 ? '' : 's'} in a row)`, FAILURE_TYPES.checkFailed);
        }
        if (endsAt !== undefined && Date.now() >= endsAt) {
          // The window is over: a check that still cannot tell has not passed.
          if (state.lastInconclusive && inconclusive !== 'fail') throw verdict(`still inconclusive when its window ended (${state.probes} probes); last: ${state.lastObservation}`, FAILURE_TYPES.checkInconclusive);
          log.info(state, 'background check passed');
          return { probes: state.probes, lastObservation: state.lastObservation, ...(state.values ? { values: state.values } : {}), node: deps.nodeName };
        }
        // Rejects with the CancelledFailure as soon as cancellation arrives.
        await ctx.sleep(endsAt === undefined ? check.intervalMs : Math.max(0, Math.min(check.intervalMs, endsAt - Date.now())));
      }
    } finally {
      heartbeater.stop();
    }
  };
}
