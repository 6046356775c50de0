/** The bench's printed table and its one-line JSON summary. */
import { availableParallelism, loadavg, totalmem } from 'node:os';
import type { WorkerTuning } from '../workers/worker-options';
import type { ScenarioResult } from './run-scenario';
import { TARGET_ROLES } from './scenarios';
import { round } from './stats';
import type { TargetCheck } from './targets';

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const num = (x: number | undefined, digits = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

const COLUMNS: Array<[string, (r: ScenarioResult) => string]> = [
  ['scenario', (r) => r.scenario.id],
  ['N', (r) => String(r.scenario.services)],
  ['steps', (r) => `${r.totalSteps} (${r.scenario.steps}/svc)`],
  ['mode', (r) => r.scenario.mode],
  ['maxPar', (r) => (r.scenario.maxParallel >= r.scenario.services ? 'all' : String(r.scenario.maxParallel))],
  ['makespan', (r) => secs(r.makespanMs)],
  ['crit path', (r) => secs(r.criticalPathMs)],
  ['÷ crit', (r) => num(r.makespanOverCriticalPath, 2)],
  ['ovh p50', (r) => `${num(r.overhead.step.p50)} ms`],
  ['ovh p95', (r) => `${num(r.overhead.step.p95)} ms`],
  ['steps/s', (r) => num(r.stepsPerSecond, 1)],
  ['shell loop', (r) => `${secs(r.baseline.totalMs)}${r.baseline.measured < r.baseline.commands ? '~' : ''}`],
  ['÷ shell', (r) => num(r.makespanOverBaseline, 2)],
  ['Temporal floor', (r) => (r.floorMs === undefined ? '—' : secs(r.floorMs))],
  ['÷ floor', (r) => (r.floorMs === undefined ? '—' : num(r.makespanMs / r.floorMs, 2))],
  ['RSS workers', (r) => `${num(r.benchPeakRssMb)}${r.launcherPeakRssMb === undefined ? '' : `+${num(r.launcherPeakRssMb)}`} MB`],
  ['RSS server', (r) => `${num(r.serverPeakRssMb)} MB`],
  ['parent events', (r) => String(r.parentEvents)],
];

export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...results.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** Where the time of a step goes, per row: the child's workflow task vs. matching and slots. */
export function formatBreakdown(results: readonly ScenarioResult[]): string {
  return results
    .map((r) => {
      const o = r.overhead;
      const w = r.workflowTasks;
      const pq = (d: { p50?: number; p95?: number }) => `${num(d.p50)}/${num(d.p95)}`;
      return (
        `  ${r.scenario.id}: ready→scheduled p50/p95 ${num(o.schedule.p50)}/${num(o.schedule.p95)} ms, scheduled→started ${num(o.dispatch.p50)}/${num(o.dispatch.p95)} ms, started→completed ${num(o.execution.p50)}/${num(o.execution.p95)} ms, ` +
        `service start after its deps p50/p95 ${num(o.serviceStart.p50)}/${num(o.serviceStart.p95)} ms; parent ${r.parentWorkflowTasks} workflow tasks, ` +
        `history ${num((r.parentHistoryBytes ?? 0) / 1024)} KiB, plan input ${num(r.planBytes / 1024)} KiB (${num(r.planPayloadBytes / 1024)} KiB encoded), ${r.workflowTaskFailures} workflow task failures\n` +
        `    workflow tasks p50/p95 ms: parent queued ${pq(w.parentQueued)}, run ${pq(w.parentRun)} (busy ${num(r.parentBusy * 100)}% of the makespan); children queued ${pq(w.childQueued)}, run ${pq(w.childRun)}; ` +
        `progress query ${r.progressQuery.error ? `failed (${r.progressQuery.error})` : `${num((r.progressQuery.bytes ?? 0) / 1024)} KiB`} in ${r.progressQuery.ms} ms (a replay of the parent); ${closedReadText(r)}; CPU cores used: bench ${num(r.cpuCores.bench, 2)}${r.cpuCores.launcher === undefined ? '' : ` + command launcher ${num(r.cpuCores.launcher, 2)}`}, server ${num(r.cpuCores.server, 2)}`
      );
    })
    .join('\n');
}

/** The closed run read as the CLI reads it: from its final record, no replay. */
function closedReadText(r: ScenarioResult): string {
  const c = r.closedRead;
  if (c.error) return `closed-run read failed (${c.error})`;
  return `closed run read from its ${c.record} final record: status ${c.statusMs} ms, report ${c.reportMs} ms, run --wait/exec's read ${c.outcomeMs} ms (whole commands)`;
}

function compact(r: ScenarioResult) {
  const o = r.overhead;
  return {
    id: r.scenario.id,
    services: r.scenario.services,
    steps: r.totalSteps,
    depth: r.scenario.depth,
    body: r.scenario.body,
    mode: r.scenario.mode,
    maxParallel: r.scenario.maxParallel,
    state: r.state,
    makespanMs: round(r.makespanMs, 0),
    criticalPathMs: round(r.criticalPathMs, 0),
    makespanOverCriticalPath: round(r.makespanOverCriticalPath, 3),
    stepOverheadP50Ms: round(o.step.p50, 0),
    stepOverheadP95Ms: round(o.step.p95, 0),
    scheduleP50Ms: round(o.schedule.p50, 0),
    dispatchP50Ms: round(o.dispatch.p50, 0),
    serviceStartP50Ms: round(o.serviceStart.p50, 0),
    serviceStartP95Ms: round(o.serviceStart.p95, 0),
    stepsPerSecond: round(r.stepsPerSecond, 1),
    shellLoopMs: round(r.baseline.totalMs, 0),
    makespanOverShellLoop: round(r.makespanOverBaseline, 2),
    floorMs: round(r.floorMs, 0) ?? null,
    makespanOverFloor: r.floorMs === undefined ? null : round(r.makespanMs / r.floorMs, 2),
    benchPeakRssMb: round(r.benchPeakRssMb, 0),
    serverPeakRssMb: round(r.serverPeakRssMb, 0),
    launcherPeakRssMb: round(r.launcherPeakRssMb, 0),
    parentEvents: r.parentEvents,
    parentHistoryBytes: r.parentHistoryBytes,
    planBytes: r.planBytes,
    planPayloadBytes: r.planPayloadBytes,
    limitErrors: r.limitErrors,
    parentWorkflowTaskRunP50Ms: round(r.workflowTasks.parentRun.p50, 0),
    parentWorkflowTaskRunP95Ms: round(r.workflowTasks.parentRun.p95, 0),
    parentBusyShare: round(r.parentBusy, 2),
    childWorkflowTaskQueuedP50Ms: round(r.workflowTasks.childQueued.p50, 0),
    childWorkflowTaskRunP50Ms: round(r.workflowTasks.childRun.p50, 0),
    benchCpuCores: round(r.cpuCores.bench, 2),
    serverCpuCores: round(r.cpuCores.server, 2),
    launcherCpuCores: round(r.cpuCores.launcher, 2),
    progressQueryMs: r.progressQuery.ms,
    progressQueryBytes: r.progressQuery.bytes ?? null,
    ...(r.progressQuery.error ? { progressQueryError: r.progressQuery.error } : {}),
    closedRead: r.closedRead,
  };
}

export interface SummaryInput {
  quick: boolean;
  /** Runs signed and verified on every node, or unsigned with --insecure-unsigned nodes (`--unsigned`). */
  signed: boolean;
  results: readonly ScenarioResult[];
  targets: readonly TargetCheck[];
  peakRssMb?: number;
  serverPeakRssMb?: number;
  launcherPeakRssMb?: number;
  serverArgs?: string[];
  tuning?: WorkerTuning;
  setup?: Record<string, number>;
  error?: string;
}

/** The last line of every bench run. Headline fields name the row they come from in `sources`. */
export function summary(input: SummaryInput): Record<string, unknown> {
  const row = (id: string) => input.results.find((r) => r.scenario.id === id);
  const chain = row(TARGET_ROLES.chain);
  const overhead = row(TARGET_ROLES.overhead);
  const sleep = row(TARGET_ROLES.sleep);
  const scale = row(TARGET_ROLES.scale);
  return {
    bench: input.quick ? 'quick' : 'full',
    signed: input.signed,
    ok: input.error === undefined,
    ...(input.error ? { error: input.error } : {}),
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), memGb: round(totalmem() / 2 ** 30, 1), node: process.version, loadavg1m: round(loadavg()[0], 2) },
    services: scale?.scenario.services ?? null,
    steps: scale?.totalSteps ?? null,
    stepOverheadP50Ms: round(overhead?.overhead.step.p50, 0) ?? null,
    stepOverheadP95Ms: round(overhead?.overhead.step.p95, 0) ?? null,
    chainStepOverheadP50Ms: round(chain?.overhead.step.p50, 0) ?? null,
    chainStepOverheadP95Ms: round(chain?.overhead.step.p95, 0) ?? null,
    makespanOverCriticalPath: round(sleep?.makespanOverCriticalPath, 3) ?? null,
    stepsPerSecond: round(scale?.stepsPerSecond, 1) ?? null,
    peakRssMb: round(input.peakRssMb, 0) ?? null,
    serverPeakRssMb: round(input.serverPeakRssMb, 0) ?? null,
    launcherPeakRssMb: round(input.launcherPeakRssMb, 0) ?? null,
    parentEvents: scale?.parentEvents ?? null,
    sources: { services: TARGET_ROLES.scale, steps: TARGET_ROLES.scale, stepOverhead: TARGET_ROLES.overhead, chainStepOverhead: TARGET_ROLES.chain, makespanOverCriticalPath: TARGET_ROLES.sleep, stepsPerSecond: TARGET_ROLES.scale, peakRssMb: 'bench process VmHWM' },
    targetsMet: `${input.targets.filter((t) => t.met).length}/${input.targets.length}`,
    targets: input.targets.map((t) => ({ id: t.id, met: t.met ?? null, actual: t.actual, scenario: t.scenario, ...(t.note ? { note: t.note } : {}) })),
    config: { serverArgs: input.serverArgs ?? [], tuning: input.tuning ?? null },
    setupMs: input.setup ?? null,
    scenarios: input.results.map(compact),
  };
}
