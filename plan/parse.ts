/** Plan and cluster text → a normalized plan, or every mistake found, each with file:line:col. */
import { ISSUE_CODES, sortIssues, type PlanIssue, type PlanResult, type UnlocatedIssue } from './issues';
import { mergeNodes } from './defaults';
import { normalizeNotify, normalizePlan, toNodeSpecs } from './normalize';
import type { NotifySpec } from './notify';
import { asMap, rawNodes, type RawMap } from './raw';
import { clusterSchema, planSchema } from './schema';
import { checkGates, checkPlacement } from './semantic-plan';
import { checkServices } from './semantic-services';
import { keyOrder, locate, readYaml, type YamlSource } from './yaml-source';
import { fromZodIssues } from './zod-issues';
import type { NodeSpec, NormalizedPlan, ScheduleSpec } from './types';

/** The nodes every plan may run on, from a cluster file. */
export interface ClusterSpec {
  nodes: NodeSpec[];
  /** Webhooks every plan run with this cluster file notifies (before the plan's own). */
  notify?: NotifySpec;
  /** The cluster's deploy windows and freezes (a plan's windows replace them; freezes add up). */
  schedule?: ScheduleSpec;
}

export interface ParsePlanOptions {
  /** The file name shown in issues, as the operator typed it. Default `<inline>`. */
  file?: string;
  /** Absolute folder a relative `workdir` resolves against: the plan file's folder. */
  baseDir: string;
  /** Recorded as `plan.source`. Default: `file`. */
  source?: string;
  /** Nodes from a cluster file; plan `nodes:` override and extend them. Default: none (the built-in three-node cluster unless the plan names nodes). */
  cluster?: ClusterSpec;
}

export interface ParseClusterOptions {
  /** The file name shown in issues. Default `<inline>`. */
  file?: string;
}

/** Top-level keys starting with `x-` are ignored, so a plan can hold YAML anchors to reuse. */
const EXTENSION_KEY = /^x-/;

export function parsePlanText(text: string, options: ParsePlanOptions): PlanResult<NormalizedPlan> {
  const file = options.file ?? '<inline>';
  const read = readDocument(text, file, 'plan');
  if (!read.raw) return { ok: false, errors: read.issues };
  const raw = read.raw;
  const parsed = planSchema.safeParse(raw);
  const unlocated: UnlocatedIssue[] = parsed.success ? [] : fromZodIssues(parsed.error.issues, raw, planSchema);
  const services = asMap(raw.services) ?? {};
  const nodes = mergeNodes(options.cluster?.nodes, rawNodes(raw.nodes));
  unlocated.push(...checkServices(services), ...checkPlacement(services, nodes), ...checkGates(raw, services));
  const issues = sortIssues([...read.issues, ...unlocated.map((issue) => locate(read.source, issue))]);
  if (issues.length > 0 || !parsed.success) return { ok: false, errors: issues };
  const context = {
    source: options.source ?? file,
    baseDir: options.baseDir,
    serviceOrder: keyOrder(read.source, ['services']),
    nodeOrder: keyOrder(read.source, ['nodes']),
    ...(options.cluster ? { clusterNodes: options.cluster.nodes, clusterSchedule: options.cluster.schedule } : {}),
    ...(options.cluster?.notify ? { clusterNotify: options.cluster.notify } : {}),
  };
  return { ok: true, plan: normalizePlan(parsed.data, context) };
}

export function parseClusterText(text: string, options: ParseClusterOptions = {}): PlanResult<ClusterSpec> {
  const file = options.file ?? '<inline>';
  const read = readDocument(text, file, 'cluster file');
  if (!read.raw) return { ok: false, errors: read.issues };
  const parsed = clusterSchema.safeParse(read.raw);
  const unlocated = parsed.success ? [] : fromZodIssues(parsed.error.issues, read.raw, clusterSchema);
  if (parsed.success && Object.keys(parsed.data.nodes).length === 0) {
    unlocated.push({ path: ['nodes'], message: 'the cluster has no nodes', hint: 'add nodes, or remove the cluster file to use the default nodes', code: ISSUE_CODES.invalidValue });
  }
  const issues = sortIssues([...read.issues, ...unlocated.map((issue) => locate(read.source, issue))]);
  if (issues.length > 0 || !parsed.success) return { ok: false, errors: issues };
  const nodes = toNodeSpecs(parsed.data.nodes, keyOrder(read.source, ['nodes']));
  const { windows = [], freezes = [] } = parsed.data;
  const schedule = { windows, freezes };
  return { ok: true, plan: parsed.data.notify ? { nodes, schedule, notify: normalizeNotify(parsed.data.notify) } : { nodes, schedule } };
}

interface ReadDocument {
  source: YamlSource;
  issues: PlanIssue[];
  /** The document as plain data, when it is a map that can be checked further. */
  raw?: RawMap;
}

function readDocument(text: string, file: string, what: string): ReadDocument {
  const { source, issues, fatal } = readYaml(text, file);
  if (fatal) return { source, issues };
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 10_000 });
  } catch (err) {
    // yaml refuses alias expansion that grows exponentially (a "billion laughs" document).
    const issue = locate(source, { path: [], message: (err as Error).message, hint: 'use fewer nested aliases', code: ISSUE_CODES.yamlSyntax });
    return { source, issues: [...issues, issue] };
  }
  const map = asMap(data);
  if (!map) {
    const issue = locate(source, { path: [], message: `the ${what} is ${data == null ? 'empty' : 'not a YAML map'}`, hint: 'see docs/plan-format.md', code: ISSUE_CODES.invalidValue });
    return { source, issues: [...issues, issue] };
  }
  const raw = Object.fromEntries(Object.entries(map).filter(([key]) => !EXTENSION_KEY.test(key)));
  return { source, issues, raw };
}
