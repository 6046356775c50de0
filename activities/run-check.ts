import { ApplicationFailure, Context } from '@temporalio/activity';
import { CHECK_KINDS, type CheckSpec } from '../plan/types';
import { upgradeCheck, type RecordedCheck } from '../plan/upgrade';
import { FAILURE_TYPES } from './failure-types';
import { Heartbeater } from './heartbeater';
import type { ResolvedDeps } from './options';
import { createStepGuard } from './step-guard';
import { parseHostPort, probeHttp, probeTcp, type Probe } from './probes';
import { probePrometheus } from './prometheus-probe';
import { stepLabel } from './run-command';
import type { CheckResult, RunCheckHeartbeat, RunCheckInput } from './types';

export type Prober = (timeoutMs: number, cancel: AbortSignal) => Promise<Probe>;

/** The probe of a check; a check recorded before kinds (see plan/upgrade.ts) still needs exactly one target. */
export function proberFor(input: CheckSpec | RecordedCheck, where: string): Prober {
  const invalid = (why: string): ApplicationFailure =>
    ApplicationFailure.nonRetryable(`${where}: ${why}`, FAILURE_TYPES.invalidStep);
  const recorded = input as RecordedCheck;
  if (recorded.kind === undefined && (recorded.http === undefined) === (recorded.tcp === undefined)) throw invalid('a check needs exactly one of http, tcp');
  const check = upgradeCheck(input);
  if (!(check.successes >= 1 && check.failures >= 1 && check.intervalMs >= 0 && check.timeoutMs > 0)) {
    throw invalid('check thresholds must be positive');
  }
  switch (check.kind) {
    case 'http': {
      const url = check.http;
      if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw invalid(`not an http(s) URL: ${String(url)}`);
      const target = { url, status: check.status, ...(check.bodyIncludes === undefined ? {} : { bodyIncludes: check.bodyIncludes }) };
      return (timeoutMs, cancel) => probeHttp(target, timeoutMs, cancel);
    }
    case 'prometheus': {
      const spec = check.prometheus;
      if (!URL.canParse(spec.url) || !/^https?:$/.test(new URL(spec.url).protocol)) throw invalid(`not an http(s) URL: ${spec.url}`);
      return (timeoutMs, cancel) => probePrometheus(spec, timeoutMs, cancel);
    }
    case 'tcp': {
      const target = typeof check.tcp === 'string' ? parseHostPort(check.tcp) : undefined;
      if (!target) throw invalid(`not a host:port: ${String(check.tcp)}`);
      return (timeoutMs, cancel) => probeTcp(target, timeoutMs, cancel);
    }
    default:
      throw invalid(`unknown check kind ${JSON.stringify((check as { kind: unknown }).kind)} (this worker knows ${CHECK_KINDS.join(', ')})`);
  }
}

export function createRunCheck(deps: ResolvedDeps) {
  const guard = createStepGuard(deps.trust);
  return async function runCheck(input: RunCheckInput): Promise<CheckResult> {
    const ctx = Context.current();
    const { context } = input;
    const where = stepLabel(context);
    const log = deps.logger.child({
      plan: context.plan,
      runId: context.runId,
      service: context.service,
      step: context.step,
      node: deps.nodeName,
      attempt: ctx.info.attempt,
    });
    let signedCheck: RunCheckInput['check'];
    try {
      // The check probed is the signed one: an unsigned target could point a node anywhere.
      signedCheck = guard.check(input, ctx.info, where).check;
    } catch (err) {
      log.warn({ err }, 'step refused');
      throw err;
    }
    const probe = proberFor(signedCheck, where);
    const check = upgradeCheck(signedCheck);
    const cancel = ctx.cancellationSignal;
    const started = Date.now();
    const deadline = started + check.timeoutMs;
    let probes = 0;
    let good = 0;
    let bad = 0;
    let lastObservation = '';
    /** What the last metric query returned. */
    let values: number[] | undefined;
    const query = 'prometheus' in check && check.prometheus ? check.prometheus.query : undefined;
    const snapshot = (): RunCheckHeartbeat => ({ probes, lastObservation, ...(query === undefined ? {} : { query }), ...(values ? { values } : {}) });
    let lastInconclusive = false;
    /** Inconclusive probes in a row (metric checks). */
    let unsure = 0;
    // Inconclusive probes (metric checks) count as bad only when the plan says so; otherwise neither way.
    const inconclusive = 'prometheus' in check ? check.prometheus?.inconclusive : undefined;
    const inconclusiveIsBad = inconclusive === 'fail';
    // pause: the run waits for a person's decision; retrying the activity would only ask again.
    const inconclusiveFailure = (message: string, type: string, details: RunCheckHeartbeat): ApplicationFailure =>
      inconclusive === 'pause' ? ApplicationFailure.nonRetryable(message, type, details) : ApplicationFailure.retryable(message, type, details);
    log.info({ target: checkTarget(check), successes: check.successes, failures: check.failures }, 'check started');
    // Between probes too: with a long interval, a per-probe heartbeat alone could outlast the
    // heartbeat timeout, and cancellation would not arrive until the next probe.
    const heartbeater = new Heartbeater(
      () => ctx.heartbeat(snapshot()),
      deps.heartbeatIntervalMs,
      0,
    );
    const timedOut = (): ApplicationFailure => {
      const details: RunCheckHeartbeat = snapshot();
      log.warn(details, 'check timed out');
      // Still inconclusive at the deadline: a failure of its own type, never a pass.
      if (lastInconclusive) {
        return inconclusiveFailure(`${where}: inconclusive for ${check.timeoutMs}ms (${probes} probe${probes === 1 ? '' : 's'}); last: ${lastObservation}`, FAILURE_TYPES.checkInconclusive, details);
      }
      return ApplicationFailure.retryable(
        `${where}: not healthy within ${check.timeoutMs}ms (${probes} probe${probes === 1 ? '' : 's'}); last: ${lastObservation}`,
        FAILURE_TYPES.checkFailed,
        details,
      );
    };
    try {
      for (;;) {
        cancel.throwIfAborted();
        const probeTimeoutMs = Math.min(deps.probeTimeoutMs, Math.max(1, deadline - Date.now()));
        const result = await probe(probeTimeoutMs, cancel);
        cancel.throwIfAborted();
        // A probe the deadline cut short says nothing about the target, only that time ran out;
        // the previous probe's observation is the one worth reporting.
        if (result.timedOut && probeTimeoutMs < deps.probeTimeoutMs && probes > 0) throw timedOut();
        probes += 1;
        lastObservation = result.observation;
        values = result.values;
        lastInconclusive = result.inconclusive === true;
        good = result.ok ? good + 1 : 0;
        bad = result.ok ? 0 : lastInconclusive && !inconclusiveIsBad ? bad : bad + 1;
        unsure = lastInconclusive ? unsure + 1 : 0;
        const details: RunCheckHeartbeat = snapshot();
        heartbeater.poke();
        log.debug(details, 'probe');

        if (good >= check.successes) {
          const passedAfterMs = Date.now() - started;
          log.info({ probes, passedAfterMs, lastObservation }, 'check passed');
          return { probes, passedAfterMs, lastObservation, ...(values ? { values } : {}), node: deps.nodeName, attempt: ctx.info.attempt };
        }
        if (inconclusive === 'pause' && unsure >= check.failures) {
          log.warn(details, 'check inconclusive');
          throw inconclusiveFailure(`${where}: ${lastObservation} (${unsure} inconclusive probe${unsure === 1 ? '' : 's'} in a row)`, FAILURE_TYPES.checkInconclusive, details);
        }
        if (bad >= check.failures) {
          log.warn(details, 'check failed');
          throw ApplicationFailure.retryable(
            `${where}: ${lastObservation} (${bad} bad probe${bad === 1 ? '' : 's'} in a row)`,
            FAILURE_TYPES.checkFailed,
            details,
          );
        }
        // Rejects with the CancelledFailure as soon as cancellation arrives.
        await ctx.sleep(Math.max(0, Math.min(check.intervalMs, deadline - Date.now())));
        // Probing at the deadline could only time out, and hide what the last real probe saw.
        if (Date.now() >= deadline) throw timedOut();
      }
    } finally {
      heartbeater.stop();
    }
  };
}

function checkTarget(check: CheckSpec | RecordedCheck): string | undefined {
  if ('prometheus' in check && check.prometheus !== undefined) return `${check.prometheus.url} ${check.prometheus.query}`;
  return 'http' in check && check.http !== undefined ? check.http : 'tcp' in check ? check.tcp : undefined;
}
