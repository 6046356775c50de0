/**
 * Who may answer a gate, as pure functions: the workflow checks every answer with them, and
 * `maestro run --auto-approve` checks before it starts anything that the starter's automatic
 * approval would be one the plan allows.
 */
import type { ApprovalsSpec, GateSpec } from './types';

/** Why `approver` may not answer a gate of this plan, or undefined when they may. */
export function approverProblem(approvals: Pick<ApprovalsSpec, 'approvers' | 'allowSelfApproval'>, approver: string, startedBy: string | undefined): string | undefined {
  if (approvals.approvers.length && !approvals.approvers.includes(approver)) {
    return `${approver} is not an approver (approvals.approvers: ${approvals.approvers.join(', ')})`;
  }
  if (!approvals.allowSelfApproval && approver === startedBy) {
    return `${approver} started this run and the plan does not allow self-approval (approvals.allowSelfApproval: false)`;
  }
  return undefined;
}

/** The id of a gate, as progress, status and `approve --wave/--service` name it. */
export function gateName(gate: GateSpec): string {
  return gate.kind === 'wave' ? `wave-${gate.beforeWave}` : `service-${gate.service}`;
}

/**
 * Why `--auto-approve` by `starter` cannot open `gate`: the starter must be an approver, may approve
 * their own run, and one approval must be enough (`minApprovals` 1). Undefined when it can.
 */
export function autoApproveProblem(approvals: Pick<ApprovalsSpec, 'approvers' | 'allowSelfApproval'>, gate: GateSpec, starter: string): string | undefined {
  const who = approverProblem(approvals, starter, starter);
  if (who) return `gate ${gateName(gate)}: ${who}`;
  if (gate.minApprovals > 1) return `gate ${gateName(gate)} needs ${gate.minApprovals} distinct approvers (minApprovals: ${gate.minApprovals}); --auto-approve gives one`;
  return undefined;
}

/** Every gate of the plan, wave gates first. */
export function planGates(plan: { approvals: ApprovalsSpec; services: ReadonlyArray<{ approval?: GateSpec }> }): GateSpec[] {
  return [...plan.approvals.gates, ...plan.services.flatMap((s) => (s.approval ? [s.approval] : []))];
}
