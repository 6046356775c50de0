import type { Client } from '@temporalio/client';
import { parsePlanText } from '../../plan/parse';
import type { NodeSpec, NormalizedPlan } from '../../plan/types';
import { serviceWorkflowId } from '../../workflows/ids';
import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import { InvalidInputError } from '../errors';
import { requireOperator, signingFor } from '../identity';
import { EXIT } from '../exit-codes';
import { clusterNodes, PlanInvalidError } from '../load-plan';
import type { Output } from '../output';
import { awaitOutcome } from '../run/handle';
import { readProgress } from '../run/progress';
import { renderExecResults, type ExecResult } from '../render/exec-results';
import { startDeployment } from '../start-run';
import { fetchStepOutput } from '../run/history';

/** The plan name of `exec` runs: they show in `list` under it and are left out of delivery figures. */
export const EXEC_PLAN_NAME = 'maestro-exec';

/** The defaults of `maestro exec`'s flags. */
export const EXEC_DEFAULTS = { cwd: '/', timeout: '10m', nodeTimeout: '30s' } as const;

export interface ExecOptions {
  output: Output;
  connection: ConnectionSettings;
  /** The command. One word is run by `/bin/sh -c` (so `$VARS`, pipes and `&&` work); several are an argv, no shell. */
  command: string[];
  /** The node to run on. Either this or `all`. */
  node?: string;
  /** Run on every node of the cluster at once, one service per node in one run. Default false. */
  all?: boolean;
  /** Cluster file naming the nodes. Default: `maestro.cluster.yaml` here, else the built-in three nodes. */
  clusterFile?: string;
  /** Working directory on the node (absolute); `--cwd`, default `EXEC_DEFAULTS.cwd`. */
  cwd: string;
  /** Per node, in milliseconds; `--timeout`, default `EXEC_DEFAULTS.timeout`. */
  timeoutMs: number;
  /** How long a node may take to pick the command up before it counts as down, in milliseconds; `--node-timeout`, default `EXEC_DEFAULTS.nodeTimeout`. */
  nodeTimeoutMs: number;
  /** Operator recorded as the starter. Default: the signing key's name. */
  as?: string;
  /** Signing key (`--key`, MAESTRO_KEY, else the local key). */
  key?: string;
  trust?: string;
  json?: boolean;
}

/** `maestro exec`: one command on one node (or all) through the node's task queue, as a one-step run. Exit 0 when it succeeded everywhere. */
export async function execCommand(options: ExecOptions): Promise<number> {
  if (!options.command.length) throw new InvalidInputError('no command given', 'Put it after --, e.g. `maestro exec --node macpro51 -- uname -s`.');
  if (Boolean(options.node) === Boolean(options.all)) throw new InvalidInputError('give either --node NAME or --all');
  const nodes = await clusterNodes(options.clusterFile);
  if (options.node && !nodes.some((n) => n.name === options.node)) {
    throw new InvalidInputError(`unknown node "${options.node}"`, `Known nodes: ${nodes.map((n) => n.name).join(', ')}.`);
  }
  const targets = options.all ? nodes.map((n) => n.name) : [options.node!];
  const runId = `exec-${options.all ? 'all' : options.node}-${stamp(new Date())}`;
  const plan = execPlan(options, nodes, targets);
  const operator = requireOperator({ key: options.key, trust: options.trust });
  const startedBy = options.as ?? operator.name;
  const shown = options.command.join(' ');

  return withClient(options.connection, async (client) => {
    const { handle } = await startDeployment(client, plan, {
      id: runId,
      startedBy,
      summary: `maestro exec on ${targets.join(', ')}: ${shown}`.slice(0, 200),
      details: `\`maestro exec -- ${shown}\`, started by ${startedBy}.`,
      signing: signingFor(operator, { trust: options.trust }),
    });
    if (!options.json) options.output.err(`${runId}: ${shown} on ${targets.join(', ')}`);
    const outcome = await awaitOutcome(handle);
    const progress = outcome.final?.progress ?? (await readProgress(client, handle));
    const results = await Promise.all(targets.map((node) => resultOf(client, runId, node, progress.services[node])));
    if (options.json) options.output.out(JSON.stringify({ runId, command: options.command, state: progress.state, results }, null, 2));
    else options.output.out(renderExecResults(results, { table: Boolean(options.all) }));
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.runFailed;
  });
}

/** A one-step plan per target node, validated like any plan; nodes that fail do not stop the others. */
export function execPlan(options: Pick<ExecOptions, 'command' | 'cwd' | 'timeoutMs' | 'nodeTimeoutMs'>, nodes: NodeSpec[], targets: string[]): NormalizedPlan {
  const run = options.command.length === 1 ? options.command[0] : options.command;
  const raw = {
    apiVersion: 'maestro/v1',
    name: EXEC_PLAN_NAME,
    workdir: options.cwd,
    strategy: { mode: 'dag', maxParallel: targets.length, onFailure: 'continue', nodeTimeout: `${options.nodeTimeoutMs}ms` },
    defaults: { timeout: `${options.timeoutMs}ms`, retry: { maxAttempts: 1 } },
    services: Object.fromEntries(targets.map((node) => [node, { node, steps: [{ name: 'exec', run }] }])),
  };
  const result = parsePlanText(JSON.stringify(raw), { file: '<exec>', baseDir: '/', cluster: { nodes } });
  if (!result.ok) throw new PlanInvalidError(result.errors, 'the exec request');
  return result.plan;
}

async function resultOf(client: Client, runId: string, node: string, service: { state: string; error?: string; steps: Array<{ lastLine?: string }> } | undefined): Promise<ExecResult> {
  const output = await fetchStepOutput(client, serviceWorkflowId(runId, node)).catch(() => undefined);
  const ok = service?.state === 'succeeded';
  return {
    node,
    ok,
    state: service?.state ?? 'unknown',
    exitCode: output?.exitCode,
    durationMs: output?.durationMs,
    outputTail: output?.outputTail ?? '',
    lastLine: service?.steps[0]?.lastLine,
    error: ok ? undefined : (service?.error ?? output?.error),
  };
}

/** `20261121T133012345Z`: sortable, and unique enough for one operator's commands. */
function stamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, '');
}
