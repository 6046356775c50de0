import { EXIT } from '../exit-codes';
import { loadPlanFile } from '../load-plan';
import type { Output } from '../output';
import { renderGraph, summarizePlan, type GraphFormat, type WaveSummary } from '../../plan';
import { printJson, withPlanErrors } from './plan-errors';

export interface GraphOptions {
  /** Path of the plan file. */
  file: string;
  /** `mermaid` (Markdown, GitHub) or `dot` (Graphviz). Default mermaid. */
  format?: GraphFormat;
  /** Print GraphJson instead of the diagram. Default false. */
  json?: boolean;
  /** Cluster file. Default: `maestro.cluster.yaml` beside the plan or in the working directory, if present. */
  clusterFile?: string;
  /** Where to print. */
  output: Output;
  /** Directory relative paths are read from. Default `process.cwd()`. */
  cwd?: string;
}

/** `--json` output: the diagram text and the graph it draws. */
export interface GraphJson {
  valid: true;
  file: string;
  format: GraphFormat;
  /** The diagram, as printed without --json. */
  graph: string;
  waves: WaveSummary[];
  /** `[dependency, dependent]` pairs. */
  edges: [string, string][];
}

/** Prints the dependency graph with waves as clusters and gates marked. Exit 0, or 2 for an invalid plan. */
export async function showGraph(options: GraphOptions): Promise<number> {
  const { file, output, json = false, format = 'mermaid' } = options;
  return withPlanErrors(file, json, output, async () => {
    const { plan } = await loadPlanFile(file, { clusterFile: options.clusterFile, cwd: options.cwd });
    const graph = renderGraph(plan, format);
    if (json) {
      const edges = plan.services.flatMap((s) => s.dependsOn.map((dep): [string, string] => [dep, s.name]));
      const result: GraphJson = { valid: true, file, format, graph, waves: summarizePlan(plan).waves, edges };
      printJson(output, result);
    } else {
      output.out(graph);
    }
    return EXIT.ok;
  });
}
