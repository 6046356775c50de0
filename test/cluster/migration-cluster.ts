import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NODE_NAMES } from '../helpers/cluster';
import { ensureBuilt } from '../helpers/processes';
import { createCluster, type Cluster, type ConnectFlags } from './cluster-fixture';
import { makeClusterTrust } from './cluster-trust';
import { startHealthServer } from './dev-server-in-netns';
import { APPROVER, keepEvents, writeMigrationPlan, type MigrationPlan } from './migration-plan';

/**
 * What the dev-server and production-server cluster files share: a temporary folder, the
 * namespaces with the operator's and the nodes' trust, the caller's server, the orchestrator on
 * mac-studio, one worker per node, the health endpoint on macbook-air and the migration plan.
 */
export interface MigrationCluster {
  dir: string;
  cluster: Cluster;
  plan: MigrationPlan;
}

export interface MigrationClusterOptions {
  /** Prefix of the temporary folder. */
  prefix: string;
  address: string;
  connectFlags: ConnectFlags;
  /** Starts the Temporal server (and what it needs) in the namespaces; `dir` is the test's folder. */
  startServer(cluster: Cluster, dir: string): Promise<void>;
}

/** Starts everything; on a failure part-way, kills what started and deletes the namespaces and folder before rethrowing. */
export async function startMigrationCluster(options: MigrationClusterOptions): Promise<MigrationCluster> {
  await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  let cluster: Cluster | undefined;
  try {
    cluster = createCluster({ address: options.address, connectFlags: options.connectFlags, trust: makeClusterTrust(dir, DEFAULT_NODE_NAMES) });
    await options.startServer(cluster, dir);
    await cluster.startOrchestrator();
    for (const node of ['mac-studio', 'macbook-air', 'macpro51']) await cluster.startNode(node);
    const health = await startHealthServer(cluster, 'macbook-air', 18080);
    const plan = writeMigrationPlan(join(dir, 'plan'), { healthUrl: health.url });
    return { dir, cluster, plan };
  } catch (err) {
    await cluster?.teardown();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Kills every process, deletes the namespaces, keeps the events log as `<name>-events.log` and removes the folder. Safe with a partial or missing set-up. */
export async function stopMigrationCluster(setUp: Partial<MigrationCluster> | undefined, name: string): Promise<void> {
  await setUp?.cluster?.teardown();
  if (setUp?.plan) keepEvents(setUp.plan, name);
  if (setUp?.dir) rmSync(setUp.dir, { recursive: true, force: true });
}

/** `maestro run <plan> --id <runId> --as <approver>` from the operator's namespace; it must start. */
export async function startRun({ cluster, plan }: MigrationCluster, runId: string, extra: string[] = []): Promise<void> {
  const started = await cluster.maestro(['run', plan.file, '--id', runId, '--as', APPROVER, ...extra]);
  expect({ code: started.code, err: started.err }).toEqual({ code: 0, err: started.code === 0 ? started.err : '' });
}
