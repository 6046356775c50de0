import type { Client } from '@temporalio/client';
import type { ConnectionSettings } from '../../connection/settings';
import { DEFAULT_NODES } from '../../plan/defaults';
import type { NormalizedPlan } from '../../plan/types';
import { RefusedError } from '../errors';
import type { Output } from '../output';
import { preflight } from '../run/preflight';

/** The plan's nodes are the built-in ones (no cluster file, no `nodes:`): names for one machine, not descriptions of machines. */
function builtInNodes(plan: NormalizedPlan): boolean {
  return JSON.stringify(plan.nodes) === JSON.stringify(DEFAULT_NODES);
}

/** The flags a `maestro worker` on another machine needs to reach the same server and namespace. */
function connectionFlags(c: ConnectionSettings): string {
  return `${c.address === 'localhost:7233' ? '' : ` --address ${c.address}`}${c.namespace === 'default' ? '' : ` --namespace ${c.namespace}`}`;
}

/**
 * Before `maestro run` starts anything: a node whose worker contradicts its declared os/arch is
 * refused (exit 3) — the run would put steps on the wrong kind of machine; the orchestrator or a
 * node the plan needs with no polling worker is a warning, or with `--require-nodes` refused too.
 */
export async function checkNodesBeforeRun(
  client: Client,
  plan: NormalizedPlan,
  options: { clusterFile?: string; connection: ConnectionSettings; requireNodes?: boolean; output: Output },
): Promise<void> {
  const declaredIn = options.clusterFile ?? (builtInNodes(plan) ? undefined : `the plan's nodes`);
  const findings = await preflight(client, plan, { declaredIn, connectionFlags: connectionFlags(options.connection) });
  if (findings.mismatched.length) {
    throw new RefusedError(`not starting: ${findings.mismatched.join('; ')}`, 'Fix the os/arch in the cluster file or the plan, or run that node on a machine that is what it says; `maestro nodes` shows every worker\'s real os/arch.');
  }
  if (findings.missing.length === 0) return;
  if (options.requireNodes) throw new RefusedError(`not starting (--require-nodes): ${findings.missing.join('; ')}`);
  for (const line of findings.missing) options.output.err(`warning: ${line}`);
}
