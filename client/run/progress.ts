import type { Client } from '@temporalio/client';
import { serviceUndoWorkflowId, serviceWorkflowId } from '../../workflows/ids';
import { progressQuery, serviceProgressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import type { DeploymentHandle } from './handle';

/**
 * The run's progress, with the live step state of services still running: the parent keeps
 * service-level state; each running service child knows its steps (queried directly, so the
 * parent's history stays small).
 */
export async function fetchProgress(client: Client, handle: DeploymentHandle): Promise<RunProgress> {
  const progress = await handle.query(progressQuery);
  await Promise.all(
    Object.values(progress.services)
      .filter((s) => s.state === 'running' || s.state === 'rolling-back')
      .map(async (s) => {
        try {
          // A service being rolled back across services is undone by a child of its own.
          const id = s.state === 'rolling-back' ? serviceUndoWorkflowId(progress.runId, s.name) : serviceWorkflowId(progress.runId, s.name);
          const child = await client.workflow.getHandle(id).query(serviceProgressQuery);
          progress.services[s.name] = { ...s, steps: child.steps, currentStep: child.currentStep, node: child.node ?? s.node, nodesDown: child.nodesDown };
        } catch {
          // The child finished between the two queries; the parent's view is current enough.
        }
      }),
  );
  return progress;
}
