/** Reads a plan (and its cluster file) from disk and hands the text to the pure parser in plan/. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { LIMITS } from '../plan/limits';
import { InvalidInputError } from './errors';
import { formatIssue, mergeNodes, parseClusterText, parsePlanText, type ClusterSpec, type NodeSpec, type NormalizedPlan, type PlanIssue } from '../plan';

/** The cluster file looked for beside the plan, then in the working directory. */
export const CLUSTER_FILE_NAME = 'maestro.cluster.yaml';

/** A plan or cluster file with mistakes; the message lists every one, `file:line:col  path: message (hint: ...)`. */
export class PlanInvalidError extends InvalidInputError {
  constructor(
    readonly issues: PlanIssue[],
    what = 'plan',
  ) {
    const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    super(`${what} is invalid (${count}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, 'fix the places listed above; see docs/plan-format.md');
  }
}

export interface LoadPlanOptions {
  /** Cluster file to use. Default: `maestro.cluster.yaml` beside the plan, else in `cwd`, else none (built-in nodes). */
  clusterFile?: string;
  /** Directory relative paths are read from. Default `process.cwd()`. */
  cwd?: string;
}

export interface LoadedPlan {
  plan: NormalizedPlan;
  /** The plan file as given. */
  file: string;
  /** The cluster file used, if any. */
  clusterFile?: string;
}

/** Reads and validates a plan; throws PlanInvalidError (exit 2) listing every mistake, or InvalidInputError for a missing file. */
export async function loadPlan(file: string, options: LoadPlanOptions = {}): Promise<NormalizedPlan> {
  return (await loadPlanFile(file, options)).plan;
}

/** Like `loadPlan`, also telling which cluster file was used. */
export async function loadPlanFile(file: string, options: LoadPlanOptions = {}): Promise<LoadedPlan> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, file);
  const text = await readText(absolute, file, 'plan');
  const clusterFile = options.clusterFile ?? (await findClusterFile(path.dirname(absolute), cwd));
  const cluster = clusterFile === undefined ? undefined : await loadCluster(clusterFile, cwd);
  const result = parsePlanText(text, { file, baseDir: path.dirname(absolute), source: absolute, ...(cluster ? { cluster } : {}) });
  if (!result.ok) throw new PlanInvalidError(result.errors);
  checkPlanSize(result.plan, file);
  return clusterFile === undefined ? { plan: result.plan, file } : { plan: result.plan, file, clusterFile };
}

/**
 * The normalized plan travels as the run's input: over Temporal's payload limit (once gzipped)
 * or the workers' decoding bound (as JSON) it would validate and then fail to start, or start
 * and never be read. Refused here, with the sizes (docs/limits.md).
 */
export function checkPlanSize(plan: NormalizedPlan, file: string): void {
  const json = Buffer.from(JSON.stringify(plan));
  const hint = 'split the plan into several plans, or shorten its commands; see docs/limits.md';
  if (json.length > LIMITS.planJsonBytes) throw new InvalidInputError(`${file}: the plan is ${json.length} bytes as JSON, over the limit of ${LIMITS.planJsonBytes}`, hint);
  const encoded = gzipSync(json).length;
  if (encoded > LIMITS.planEncodedBytes) throw new InvalidInputError(`${file}: the plan is ${encoded} bytes encoded (gzipped JSON), over the limit of ${LIMITS.planEncodedBytes}`, hint);
}

/** Reads and validates a cluster file. */
export async function loadCluster(file: string, cwd: string = process.cwd()): Promise<ClusterSpec> {
  const text = await readText(path.resolve(cwd, file), file, 'cluster file');
  const result = parseClusterText(text, { file });
  if (!result.ok) throw new PlanInvalidError(result.errors, `cluster file ${file}`);
  return result.plan;
}

/**
 * The cluster's nodes for the commands that read no plan (`nodes`, `exec`): from `clusterFile`,
 * else `maestro.cluster.yaml` in `cwd`, else the built-in nodes.
 */
export async function clusterNodes(clusterFile?: string, cwd: string = process.cwd()): Promise<NodeSpec[]> {
  return (await clusterDeclaration(clusterFile, cwd)).nodes;
}

/** The cluster's nodes as `clusterNodes` finds them, and the cluster file that declares them (none: the built-in nodes). */
export async function clusterDeclaration(clusterFile?: string, cwd: string = process.cwd()): Promise<{ nodes: NodeSpec[]; file?: string }> {
  const file = clusterFile ?? (await findClusterFile(path.resolve(cwd), cwd));
  const nodes = mergeNodes(file === undefined ? undefined : (await loadCluster(file, cwd)).nodes, undefined);
  return file === undefined ? { nodes } : { nodes, file };
}

async function findClusterFile(planDir: string, cwd: string): Promise<string | undefined> {
  for (const dir of [...new Set([planDir, path.resolve(cwd)])]) {
    const candidate = path.join(dir, CLUSTER_FILE_NAME);
    if (await isFile(candidate)) return path.relative(cwd, candidate) || candidate;
  }
  return undefined;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function readText(absolute: string, shown: string, what: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InvalidInputError(`${what} ${shown} not found`, `check the path (looked at ${absolute})`);
    if (code === 'EISDIR') throw new InvalidInputError(`${what} ${shown} is a directory`, 'give the path of a YAML file');
    throw new InvalidInputError(`cannot read ${what} ${shown}: ${(err as Error).message}`);
  }
}
