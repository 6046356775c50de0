import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectClient } from './connection';
import { type ConnectionSettings } from '../connection/settings';
import { requireOperator, signingFor } from './identity';
import { loadPlan } from './load-plan';
import type { Output } from './output';
import { awaitOutcome } from './run/handle';
import { startDeployment } from './start-run';

/** The plan `npm start` runs: four small HTTP services deployed on this machine, over the three node queues. */
function demoPlanPath(): string {
  // Compiled to dist/client/, the examples stay at the project root.
  const fromSource = join(__dirname, '..', 'examples', 'local-rollout.yaml');
  const fromDist = join(__dirname, '..', '..', 'examples', 'local-rollout.yaml');
  return __dirname.includes(`${join('dist', 'client')}`) ? fromDist : fromSource;
}

export interface DemoOptions {
  connection: ConnectionSettings;
  uiUrl?: string;
  output: Output;
}

/** Starts the demo run and reports where to watch it and, in the background, how it ended. */
export async function startDemo(options: DemoOptions): Promise<void> {
  const planFile = demoPlanPath();
  const plan = await loadPlan(planFile);
  const client = await connectClient(options.connection);
  // Signed with the local key `maestro dev` made, like any run.
  const operator = requireOperator();
  const { runId, handle } = await startDeployment(client, plan, { id: `${plan.name}-${Date.now()}`, startedBy: operator.name, signing: signingFor(operator) });
  options.output.out(`Demo run:        ${runId} (${planFile})`);
  if (options.uiUrl) options.output.out(`                 ${options.uiUrl}/namespaces/default/workflows/${encodeURIComponent(runId)}`);
  options.output.out(`Follow it:       npx maestro status ${runId} --address ${options.connection.address}`);
  void awaitOutcome(handle)
    .then((outcome) => {
      const services = Object.entries(outcome.services).map(([name, state]) => `${name} ${state === 'succeeded' ? '✓' : state}`);
      options.output.out(`Demo ${outcome.state}: ${services.join('  ')}`);
      if (outcome.state === 'succeeded') options.output.out('The services answer on http://127.0.0.1:18080-18083/health; `node examples/local/status.js` shows them.');
    })
    .catch((err: Error) => options.output.err(`Demo failed: ${err.message}`))
    .finally(() => void client.connection.close());
}

/** Stops the demo's HTTP servers (they would otherwise idle out after 10 minutes). */
export async function stopDemoServers(): Promise<void> {
  const cleanup = join(demoPlanPath(), '..', 'local', 'cleanup.js');
  await promisify(execFile)(process.execPath, [cleanup]).catch(() => undefined);
}
