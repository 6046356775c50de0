import type { ServiceSpec } from './types';

/**
 * Whether a service's failed step is a metric check that pauses when it cannot tell
 * (`inconclusive: pause`): an inconclusive analysis is neither a pass nor a failure, and a person
 * says which it is. The caller checks that the step did end inconclusive (CheckInconclusive).
 */
export function pausesOnInconclusive(service: ServiceSpec | undefined, failedStep: string | undefined): boolean {
  const step = failedStep === undefined ? undefined : service?.steps.find((s) => s.name === failedStep);
  return step?.kind === 'check' && step.check.kind === 'prometheus' && step.check.prometheus.inconclusive === 'pause';
}
