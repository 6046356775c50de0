/**
 * The node workers in a process of their own (`--node-workers-process`): commands are then
 * forked from a small process instead of the one holding the workflow cache. Started by
 * bench-cluster.ts with the server address as its argument; says `ready` on stdout; stops on SIGTERM.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DEFAULT_NODES } from '../plan/defaults';
import { createLogger } from '../workers/logger';
import { createNodeWorker } from '../workers/node-worker';
import { installRuntimeLogger } from '../workers/runtime';

export const READY_LINE = 'ready';

async function main(): Promise<void> {
  const address = process.argv[2];
  if (!address) throw new Error('usage: node-workers-process <address>');
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false });
  installRuntimeLogger(logger, 'WARN');
  const connection = await NativeConnection.connect({ address });
  const workers: Worker[] = [];
  for (const node of DEFAULT_NODES) workers.push(await createNodeWorker({ connection, namespace: 'default', node: node.name, logger: logger.child({ node: node.name }) }));
  const stop = () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown());
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const running = Promise.all(workers.map((w) => w.run()));
  process.stdout.write(`${READY_LINE}\n`);
  await running;
  await connection.close();
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
