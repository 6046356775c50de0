/**
 * Normalized plans travel in workflow history, so a workflow may be handed a plan written by an
 * older Maestro. Plans recorded before gates and checks carried a `kind` told them apart by which
 * field was set (`beforeWave` or `service`; `http` or `tcp`). These functions bring such a plan
 * to today's shape; a current plan passes through unchanged (the same objects).
 */
import type { CheckSpec, GateSpec, NormalizedPlan, ServiceGate, ServiceSpec, StepSpec, WaveGate } from './types';

/** A check as recorded before `kind`: exactly one of http / tcp set, `status` on both. */
export interface RecordedCheck {
  kind?: CheckSpec['kind'];
  http?: string;
  tcp?: string;
  status?: number;
  bodyIncludes?: string;
  successes: number;
  failures: number;
  intervalMs: number;
  timeoutMs: number;
}

/** A gate as recorded before `kind`: `beforeWave` for a wave gate, `service` for a service's own. */
export interface RecordedGate {
  kind?: GateSpec['kind'];
  beforeWave?: number;
  service?: string;
  timeoutMs: number;
  onTimeout: GateSpec['onTimeout'];
  minApprovals: number;
}

export function upgradeCheck(check: CheckSpec | RecordedCheck): CheckSpec {
  if (check.kind !== undefined) return check as CheckSpec;
  const { successes, failures, intervalMs, timeoutMs } = check;
  if (check.http !== undefined) {
    return { kind: 'http', http: check.http, status: check.status ?? 200, successes, failures, intervalMs, timeoutMs, ...(check.bodyIncludes === undefined ? {} : { bodyIncludes: check.bodyIncludes }) };
  }
  return { kind: 'tcp', tcp: check.tcp ?? '', successes, failures, intervalMs, timeoutMs };
}

function upgradeGate(gate: GateSpec | RecordedGate, service?: string): GateSpec {
  if (gate.kind !== undefined) return gate as GateSpec;
  const { timeoutMs, onTimeout, minApprovals } = gate;
  if (gate.beforeWave !== undefined) return { kind: 'wave', beforeWave: gate.beforeWave, timeoutMs, onTimeout, minApprovals };
  return { kind: 'service', service: gate.service ?? service ?? '', timeoutMs, onTimeout, minApprovals };
}

function upgradeStep(step: StepSpec): StepSpec {
  if (step.kind !== 'check' || step.check.kind !== undefined) return step;
  return { ...step, check: upgradeCheck(step.check as RecordedCheck) };
}

export function upgradeService(service: ServiceSpec): ServiceSpec {
  const stale = service.steps.some((s) => s.kind === 'check' && s.check.kind === undefined) || (service.approval !== undefined && service.approval.kind === undefined);
  if (!stale) return service;
  const upgraded: ServiceSpec = { ...service, steps: service.steps.map(upgradeStep) };
  if (service.approval) upgraded.approval = upgradeGate(service.approval, service.name) as ServiceGate;
  return upgraded;
}

export function upgradePlan(plan: NormalizedPlan): NormalizedPlan {
  const gates = plan.approvals.gates;
  const staleGates = gates.some((g) => g.kind === undefined);
  const services = plan.services.map(upgradeService);
  const staleServices = services.some((s, i) => s !== plan.services[i]);
  if (!staleGates && !staleServices) return plan;
  return {
    ...plan,
    approvals: staleGates ? { ...plan.approvals, gates: gates.map((g) => upgradeGate(g) as WaveGate) } : plan.approvals,
    services,
  };
}
