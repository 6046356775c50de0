import { isGrpcCancelledError, isGrpcDeadlineError, type Client } from '@temporalio/client';
import { formatDuration, parseDuration } from '../../plan/durations';
import { serviceUndoWorkflowId, serviceWorkflowId } from '../../workflows/ids';
import { progressQuery, serviceProgressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { UnreachableError } from '../errors';
import { awaitOutcome, type DeploymentHandle } from './handle';
import { DEFAULT_STALE_AFTER, describeQueue } from './pollers';

/**
 * How long an open run's `progress` query may take. A live orchestrator answers from its cache
 * in milliseconds; a run evicted from the cache is replayed first (about 2.7 s for 1,000
 * services × 5 steps on the bench machine).
 */
export const QUERY_DEADLINE_MS = 5_000;

const STALE_AFTER_MS = parseDuration(DEFAULT_STALE_AFTER)!;
const ORCHESTRATOR_HINT = 'An open run answers through its workflow: start an orchestrator worker (`maestro dev` or `maestro worker --orchestrator`).';

/** Nothing answers an open run's queries: no orchestrator worker polls its task queue. Exit 4. */
export class NoOrchestratorError extends UnreachableError {
  constructor(message: string) {
    super(message, ORCHESTRATOR_HINT);
  }
}

export interface ReadProgressOptions {
  /** See QUERY_DEADLINE_MS. */
  deadlineMs?: number;
}

/**
 * A run's progress. A closed run's comes from the final record its result carries (its close
 * event: one history event, no worker needed); an open run — or one that ended before runs
 * carried that record — is queried, with the live step state of its running services.
 */
export async function readProgress(client: Client, handle: DeploymentHandle, options: ReadProgressOptions = {}): Promise<RunProgress> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') {
    const final = await finalProgress(handle);
    if (final) return final;
  }
  return queryProgress(client, handle, description.taskQueue, options.deadlineMs ?? QUERY_DEADLINE_MS);
}

/** The final record of a closed run, or undefined when it has none (terminated, or older than the record). */
export async function finalProgress(handle: DeploymentHandle): Promise<RunProgress | undefined> {
  try {
    return (await awaitOutcome(handle)).final?.progress;
  } catch {
    return undefined;
  }
}

async function queryProgress(client: Client, handle: DeploymentHandle, taskQueue: string, deadlineMs: number): Promise<RunProgress> {
  const queue = await describeQueue(client, taskQueue, 'workflow', STALE_AFTER_MS);
  const lastPoll = queue.lastSeenAgoMs === undefined ? 'never' : `${formatDuration(queue.lastSeenAgoMs)} ago`;
  if (!queue.up) throw new NoOrchestratorError(`no orchestrator worker polls task queue "${taskQueue}" (last poll: ${lastPoll}), so run ${handle.workflowId} cannot answer`);
  try {
    return await client.withDeadline(Date.now() + deadlineMs, () => fetchProgress(client, handle));
  } catch (err) {
    if (!noAnswer(err)) throw err;
    throw new NoOrchestratorError(`run ${handle.workflowId} did not answer within ${formatDuration(deadlineMs)}; the orchestrator worker on "${taskQueue}" last polled ${lastPoll}`);
  }
}

/**
 * Whether a query ended because nobody answered it within the deadline: the client's
 * DEADLINE_EXCEEDED, or CANCELLED from the server, whose context carries that deadline and
 * sometimes ends the call first ("Call cancelled"). Nothing here cancels a query otherwise.
 */
export function noAnswer(err: unknown): boolean {
  return isGrpcDeadlineError(err) || isGrpcCancelledError(err);
}

/**
 * The `progress` query, with the live step state of services still running: the parent keeps
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
