/** The dependency graph as Mermaid or Graphviz DOT text: waves as clusters, gates marked. */
import { formatDuration } from './durations';
import { summarizePlan, type ServiceSummary, type WaveSummary } from './summary';
import type { GateSpec, NormalizedPlan } from './types';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export function renderGraph(plan: NormalizedPlan, format: GraphFormat): string {
  const waves = summarizePlan(plan).waves;
  return format === 'dot' ? renderDot(plan.name, waves) : renderMermaid(waves);
}

/** `⏸ gate: 1 approval, 24h, then reject`. */
export function describeGate(gate: GateSpec): string {
  const approvals = `${gate.minApprovals} approval${gate.minApprovals === 1 ? '' : 's'}`;
  return `${approvals}, ${formatDuration(gate.timeoutMs)}, then ${gate.onTimeout}`;
}

function label(service: ServiceSummary): string {
  const node = service.nodes[0] ?? '?';
  return `${service.name}\n${node}${service.approval ? `\n⏸ approval (${describeGate(service.approval)})` : ''}`;
}

function renderMermaid(waves: WaveSummary[]): string {
  // Mermaid ids must be simple; names go in labels.
  const ids = new Map(waves.flatMap((w) => w.services).map((s, i) => [s.name, `s${i}`]));
  const text = (s: string) => s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
  const lines = ['flowchart LR'];
  for (const wave of waves) {
    const title = `Wave ${wave.wave}${wave.gate ? ` ⏸ gate: ${describeGate(wave.gate)}` : ''}`;
    lines.push(`  subgraph wave${wave.wave}["${text(title)}"]`);
    for (const service of wave.services) lines.push(`    ${ids.get(service.name)}["${text(label(service))}"]`);
    lines.push('  end');
  }
  for (const service of waves.flatMap((w) => w.services)) {
    for (const dep of service.dependsOn) lines.push(`  ${ids.get(dep)} --> ${ids.get(service.name)}`);
  }
  const gatedStyle = 'stroke:#d97706,stroke-width:2px,stroke-dasharray:5 3';
  for (const wave of waves.filter((w) => w.gate)) lines.push(`  style wave${wave.wave} ${gatedStyle}`);
  const gatedServices = waves.flatMap((w) => w.services).filter((s) => s.approval).map((s) => ids.get(s.name));
  if (gatedServices.length > 0) lines.push(`  classDef gated ${gatedStyle}`, `  class ${gatedServices.join(',')} gated`);
  return `${lines.join('\n')}\n`;
}

function renderDot(name: string, waves: WaveSummary[]): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const lines = [`digraph ${q(name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const wave of waves) {
    lines.push(`  subgraph cluster_wave${wave.wave} {`);
    const title = `Wave ${wave.wave}${wave.gate ? `\n⏸ gate: ${describeGate(wave.gate)}` : ''}`;
    lines.push(`    label=${q(title)};`);
    if (wave.gate) lines.push('    style=dashed; color="#d97706";');
    for (const service of wave.services) {
      const extra = service.approval ? ', color="#d97706", style="rounded,dashed"' : '';
      lines.push(`    ${q(service.name)} [label=${q(label(service))}${extra}];`);
    }
    lines.push('  }');
  }
  for (const service of waves.flatMap((w) => w.services)) {
    for (const dep of service.dependsOn) lines.push(`  ${q(dep)} -> ${q(service.name)};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
