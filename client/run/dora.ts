import type { RunSummary } from './list';

/** Final states that count as a failed change: the deployment did not go through. */
export const CHANGE_FAILURE_STATES: readonly string[] = ['failed', 'rolled-back', 'rollback-incomplete'];
/** Ended runs that were not a deployment outcome: an operator or Temporal stopped them. */
const EXCLUDED_STATES: readonly string[] = ['aborted', 'terminated', 'timed-out', 'cancelled'];

/** Delivery figures over a window of runs (definitions in docs/operations.md). */
export interface DoraReport {
  /** Start of the window (ISO); the window ends at `until`. */
  since: string;
  until: string;
  days: number;
  plan?: string;
  runs: { total: number; succeeded: number; failed: number; excluded: number; open: number };
  deploymentFrequency: { deployments: number; perDay: number; perWeek: number };
  /** Start to close of succeeded runs. */
  leadTime: { samples: number; medianMs?: number; p90Ms?: number };
  /** Failed / (succeeded + failed); undefined with no finished deployment. */
  changeFailureRate?: number;
  /** From the end of the first failed run of a streak to the end of the next succeeded run of the same plan. */
  timeToRestore: { restored: number; unrestored: number; medianMs?: number; samples: number[] };
}

function quantile(sorted: number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo));
}

export function computeDora(runs: readonly RunSummary[], window: { since: Date; until: Date; plan?: string }): DoraReport {
  const days = Math.max((window.until.getTime() - window.since.getTime()) / 86_400_000, 1 / 24);
  const closed = runs.filter((r) => r.closedAt);
  const succeeded = closed.filter((r) => r.state === 'succeeded');
  const failed = closed.filter((r) => CHANGE_FAILURE_STATES.includes(r.state));
  const leads = succeeded.map((r) => r.durationMs ?? 0).sort((a, b) => a - b);

  // Per plan, in close order: a streak of failures is one incident, restored by the next success.
  const restores: number[] = [];
  let unrestored = 0;
  const byPlan = new Map<string, RunSummary[]>();
  for (const r of [...succeeded, ...failed].sort((a, b) => a.closedAt!.localeCompare(b.closedAt!))) {
    const key = r.plan ?? '';
    byPlan.set(key, [...(byPlan.get(key) ?? []), r]);
  }
  for (const list of byPlan.values()) {
    let brokeAt: string | undefined;
    for (const r of list) {
      if (r.state === 'succeeded') {
        if (brokeAt) restores.push(Date.parse(r.closedAt!) - Date.parse(brokeAt));
        brokeAt = undefined;
      } else {
        brokeAt ??= r.closedAt;
      }
    }
    if (brokeAt) unrestored++;
  }
  restores.sort((a, b) => a - b);

  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    days,
    plan: window.plan,
    runs: {
      total: runs.length,
      succeeded: succeeded.length,
      failed: failed.length,
      excluded: closed.filter((r) => EXCLUDED_STATES.includes(r.state)).length,
      open: runs.length - closed.length,
    },
    deploymentFrequency: { deployments: succeeded.length, perDay: succeeded.length / days, perWeek: (succeeded.length / days) * 7 },
    leadTime: { samples: leads.length, medianMs: quantile(leads, 0.5), p90Ms: quantile(leads, 0.9) },
    changeFailureRate: succeeded.length + failed.length ? failed.length / (succeeded.length + failed.length) : undefined,
    timeToRestore: { restored: restores.length, unrestored, medianMs: quantile(restores, 0.5), samples: restores },
  };
}
