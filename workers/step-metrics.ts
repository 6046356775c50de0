import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { StepContext } from '../activities';
import type { MaestroMetrics } from './metrics';

/** The step context every Maestro activity carries as `args[0].context`; undefined for anything else. */
function stepContext(args: unknown[]): StepContext | undefined {
  const first = args[0] as { context?: StepContext } | undefined;
  return first?.context && typeof first.context.service === 'string' ? first.context : undefined;
}

/**
 * Counts a node worker's step attempts and times them, from outside the activities (an
 * interceptor), so the executors stay free of metrics. Each attempt counts: a retried step that
 * fails twice and then succeeds is two failures and one success.
 */
export function stepMetricsInterceptor(metrics: MaestroMetrics, node: string): ActivityInterceptorsFactory {
  return () => ({
    inbound: {
      async execute(input, next) {
        const context = stepContext(input.args);
        if (!context) return next(input);
        const { service, phase } = context;
        metrics.stepsStarted.inc({ node, service, phase });
        const timer = metrics.stepDuration.startTimer({ node, service, phase });
        try {
          const result = await next(input);
          timer({ outcome: 'succeeded' });
          if (phase === 'do') metrics.stepsSucceeded.inc({ node, service });
          else metrics.stepsUndone.inc({ node, service });
          return result;
        } catch (err) {
          timer({ outcome: err instanceof CancelledFailure ? 'cancelled' : 'failed' });
          metrics.stepsFailed.inc({ node, service, phase });
          throw err;
        }
      },
    },
  });
}
