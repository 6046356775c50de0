import { EXIT } from '../exit-codes';
import { loadPlanFile } from '../load-plan';
import type { Output } from '../output';
import { renderTable } from '../render/table';
import { describeGate, formatDuration, summarizePlan, type NormalizedPlan, type PlanSummary } from '../../plan';
import { printJson, withPlanErrors } from './plan-errors';

export interface PlanOptions {
  /** Path of the plan file. */
  file: string;
  /** Cluster file. Default: `maestro.cluster.yaml` beside the plan or in the working directory, if present. */
  clusterFile?: string;
  /** Print PlanJson instead of the table. Default false. */
  json?: boolean;
  /** Where to print. */
  output: Output;
  /** Directory relative paths are read from. Default `process.cwd()`. */
  cwd?: string;
}

/** `--json` output: the summary, plus the normalized plan workflows receive. */
export interface PlanJson extends PlanSummary {
  valid: true;
  file: string;
  clusterFile: string | null;
  plan: NormalizedPlan;
}

/** Shows the waves, the nodes of each service, the gates and the critical path. Exit 0, or 2 for an invalid plan. */
export async function showPlan(options: PlanOptions): Promise<number> {
  const { file, output, json = false } = options;
  return withPlanErrors(file, json, output, async () => {
    const { plan, clusterFile } = await loadPlanFile(file, { clusterFile: options.clusterFile, cwd: options.cwd });
    const summary = summarizePlan(plan);
    if (json) {
      const result: PlanJson = { valid: true, file, clusterFile: clusterFile ?? null, ...summary, plan };
      printJson(output, result);
    } else {
      output.out(renderPlanTable(summary));
    }
    return EXIT.ok;
  });
}

/** The text form of `maestro plan`. */
export function renderPlanTable(summary: PlanSummary): string {
  const { strategy } = summary;
  const serviceCount = summary.waves.reduce((n, w) => n + w.services.length, 0);
  const lines = [
    `Plan ${summary.name}: ${serviceCount} services in ${summary.waves.length} waves`,
    `  mode ${strategy.mode}, maxParallel ${strategy.maxParallel}, onFailure ${strategy.onFailure}, nodes ${summary.nodes.map((n) => n.name).join(', ')}`,
    '',
  ];
  const rows: string[][] = [];
  for (const wave of summary.waves) {
    for (const service of wave.services) {
      const gates = [wave.gate ? `wave gate` : '', service.approval ? `approval (${describeGate(service.approval)})` : ''].filter(Boolean);
      rows.push([String(wave.wave), service.name, service.nodes.join(', '), service.dependsOn.join(', ') || '-', gates.join(', ') || '-']);
    }
  }
  lines.push(renderTable(['WAVE', 'SERVICE', 'NODES (preferred first)', 'DEPENDS ON', 'GATES'], rows));
  const gated = summary.waves.filter((w) => w.gate);
  if (gated.length > 0) {
    lines.push('');
    const who = summary.approvers.length > 0 ? ` by ${summary.approvers.join(' or ')}` : '';
    for (const wave of gated) if (wave.gate) lines.push(`⏸ before wave ${wave.wave}: ${describeGate(wave.gate)}${who}`);
  }
  lines.push('', `Critical path: ${summary.criticalPath.services.join(' → ')} (${formatDuration(summary.criticalPath.lengthMs)})`);
  return `${lines.join('\n')}\n`;
}
