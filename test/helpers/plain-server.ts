import { Connection } from '@temporalio/client';
import { resolveTemporalBinary } from '../../workers/temporal-binaries';
import { freePort, spawnTracked, type Spawned } from './processes';
import { waitFor } from './wait-for';

/**
 * `temporal server start-dev` as a user would start it, WITHOUT Maestro's `--search-attribute`
 * flags (what docker-compose, a self-hosted cluster or Temporal Cloud give): in memory, headless,
 * on 127.0.0.1 and a free port. Tracked for `killSpawned`.
 */
export async function startPlainServer(): Promise<{ address: string; process: Spawned }> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const server = spawnTracked(resolveTemporalBinary('cli'), ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error']);
  await waitFor(
    `the plain Temporal server at ${address}`,
    async () => {
      if (server.child.exitCode !== null) throw new Error(`temporal server start-dev exited:\n${server.stderr()}`);
      const connection = await Connection.connect({ address, connectTimeout: 1_000 }).catch(() => undefined);
      if (!connection) return false;
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } catch {
        return false;
      } finally {
        await connection.close();
      }
    },
    60_000,
    250,
  );
  return { address, process: server };
}

/** A stack frame in CLI output: what the README promises never to print. */
export const STACK_FRAME = /^\s+at .+(\(|:\d+)/m;
