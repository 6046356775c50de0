/** The performance targets of issue 7, checked against a bench run (printed, never asserted). */
import type { ScenarioResult } from './run-scenario';
import { TARGET_ROLES } from './scenarios';

export interface TargetCheck {
  id: string;
  target: string;
  /** The row it was judged on. */
  scenario: string;
  actual: string;
  /** undefined: the row did not run. */
  met?: boolean;
  /** The row is smaller than the target names (--quick). */
  note?: string;
}

const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${Math.round(x)} ms`);

export function checkTargets(results: readonly ScenarioResult[]): TargetCheck[] {
  const row = (id: string) => results.find((r) => r.scenario.id === id);
  const chain = row(TARGET_ROLES.chain);
  const overhead = row(TARGET_ROLES.overhead);
  const oneStep = row(TARGET_ROLES.oneStep);
  const sleep = row(TARGET_ROLES.sleep);
  const scale = row(TARGET_ROLES.scale);
  const checks: TargetCheck[] = [];
  const add = (id: string, target: string, scenario: string, r: ScenarioResult | undefined, judge: (r: ScenarioResult) => [string, boolean], note?: string) => {
    if (!r) return checks.push({ id, target, scenario, actual: 'not run' });
    const [actual, met] = judge(r);
    return checks.push({ id, target, scenario, actual, met, ...(note ? { note } : {}) });
  };
  const p50 = (r: ScenarioResult): [string, boolean] => [ms(r.overhead.step.p50), (r.overhead.step.p50 ?? Infinity) <= 25];
  const p95 = (r: ScenarioResult): [string, boolean] => [ms(r.overhead.step.p95), (r.overhead.step.p95 ?? Infinity) <= 100];
  add('overhead-p50-chain', 'per-step overhead p50 ≤ 25 ms, one step at a time', TARGET_ROLES.chain, chain, p50);
  add('overhead-p95-chain', 'per-step overhead p95 ≤ 100 ms, one step at a time', TARGET_ROLES.chain, chain, p95);
  add('overhead-p50-loaded', 'stricter reading: per-step overhead p50 ≤ 25 ms, 100 services at once', TARGET_ROLES.overhead, overhead, p50);
  add('overhead-p95-loaded', 'stricter reading: per-step overhead p95 ≤ 100 ms, 100 services at once', TARGET_ROLES.overhead, overhead, p95);
  add('sleep-critical-path', '1-second steps within 1.10 × critical path', TARGET_ROLES.sleep, sleep, (r) => [`${r.makespanOverCriticalPath.toFixed(3)} ×`, r.makespanOverCriticalPath <= 1.1]);
  const inThreeSeconds = (r: ScenarioResult): [string, boolean] => [
    `${ms(r.makespanMs)}${r.floorMs === undefined ? '' : ` (the Temporal floor for this shape: ${ms(r.floorMs)})`}`,
    r.makespanMs <= 3000,
  ];
  add('noop-100-depth-5-one-step', '100 services, depth 5, one no-op step each, in ≤ 3 s', TARGET_ROLES.oneStep, oneStep, inThreeSeconds);
  add('noop-100-depth-5', '100 services, depth 5, three no-op steps each, in ≤ 3 s', TARGET_ROLES.overhead, overhead, inThreeSeconds);
  const small = scale && scale.scenario.services < 1000 ? `${scale.scenario.services} × ${scale.scenario.steps} here; the target is 1,000 × 5 (full run)` : undefined;
  add(
    'scale-limits',
    '1,000 × 5 completes, no limit errors, parent history < 10,240 events',
    TARGET_ROLES.scale,
    scale,
    (r) => [`${r.state}, ${r.limitErrors.length} limit errors, ${r.parentEvents} events`, r.state === 'succeeded' && r.limitErrors.length === 0 && r.parentEvents < 10_240],
    small,
  );
  add('sustained-throughput', '≥ 50 steps/s sustained', TARGET_ROLES.scale, scale, (r) => [`${r.stepsPerSecond.toFixed(1)} steps/s`, r.stepsPerSecond >= 50], small);
  return checks;
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks
    .map((c) => {
      const verdict = (c.met === undefined ? 'not run' : c.met ? 'met' : 'NOT met') + (c.note ? '*' : '');
      return `  [${verdict.padEnd(8)}] ${c.target}: ${c.actual} (${c.scenario})${c.note ? ` — ${c.note}` : ''}`;
    })
    .join('\n');
}
