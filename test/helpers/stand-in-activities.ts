import { ApplicationFailure, Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { CheckResult, RunCheckInput, RunCommandInput, RunCommandResult, StepContext } from '../../activities';
import { FAILURE_TYPES } from '../../activities/failure-types';
import { maestroDataConverter } from '../../connection/codec';
import { nodeTaskQueue } from '../../plan/task-queues';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker';
import { DEFAULT_NODE_NAMES } from './cluster';
import { startTimeSkippingServer, workflowBundle } from './temporal-env';

/**
 * Stand-in step activities for the fast workflow tier: the real workflows on a real (time-skipping)
 * server, with activities that do what the test scripts instead of running commands. The real
 * tier (test/workflows/steps-and-saga.test.ts and the rest) keeps testing what commands do.
 */

/** What a scripted step does: succeed, fail (non-retryable, like `exit 4`), or hang until cancelled. */
export type Behaviour = 'ok' | 'fail' | 'hang';

export interface StandInCall {
  node: string;
  context: StepContext;
}

/** `service/step/phase` → behaviour; anything unscripted succeeds. */
export type Script = Record<string, Behaviour>;

export class StandIns {
  readonly calls: StandInCall[] = [];
  private readonly scripts = new Map<string, Script>();

  /** Scripts the run `runId`. */
  script(runId: string, script: Script): void {
    this.scripts.set(runId, script);
  }

  callsOf(runId: string): StandInCall[] {
    return this.calls.filter((c) => c.context.runId === runId);
  }

  /** `service/step/phase@node` of every call of the run, in order. */
  trace(runId: string): string[] {
    return this.callsOf(runId).map((c) => `${c.context.service}/${c.context.step}/${c.context.phase}@${c.node}`);
  }

  activities(node: string) {
    const act = async (context: StepContext): Promise<void> => {
      this.calls.push({ node, context });
      const behaviour = this.scripts.get(context.runId)?.[`${context.service}/${context.step}/${context.phase}`] ?? 'ok';
      if (behaviour === 'fail') {
        throw ApplicationFailure.nonRetryable(`${context.service}/${context.step}: exited with 4`, FAILURE_TYPES.commandFailed, { exitCode: 4, signal: null, outputTail: 'boom\n' });
      }
      if (behaviour === 'hang') {
        const ctx = Context.current();
        // Cancellation only arrives through heartbeats.
        const beat = setInterval(() => ctx.heartbeat(), 100);
        try {
          await ctx.cancelled;
        } finally {
          clearInterval(beat);
        }
      }
    };
    return {
      runCommand: async (input: RunCommandInput): Promise<RunCommandResult> => {
        await act(input.context);
        return { exitCode: 0, durationMs: 1, outputTail: 'ok\n', lastLine: `${input.context.step} ${input.context.phase}`, node, attempt: Context.current().info.attempt };
      },
      runCheck: async (input: RunCheckInput): Promise<CheckResult> => {
        await act(input.context);
        return { probes: 1, passedAfterMs: 1, lastObservation: 'healthy', node, attempt: Context.current().info.attempt } as CheckResult;
      },
    };
  }
}

/** The orchestrator (real workflows) and a stand-in worker per node, until `shutdown`. */
export async function startStandInCluster(env: TestWorkflowEnvironment, standIns: StandIns, nodes: readonly string[] = DEFAULT_NODE_NAMES): Promise<{ shutdown(): Promise<void> }> {
  const dataConverter = maestroDataConverter();
  const connection = env.nativeConnection;
  const namespace = env.namespace ?? 'default';
  const bundle = await workflowBundle({ failureConverterPath: dataConverter.failureConverterPath });
  const workers = [await createOrchestratorWorker({ connection, namespace, workflowBundle: bundle, dataConverter })];
  for (const node of nodes) {
    workers.push(await Worker.create({ connection, namespace, taskQueue: nodeTaskQueue(node), activities: standIns.activities(node), dataConverter }));
  }
  const running = workers.map((w) => w.run());
  return {
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
    },
  };
}

/**
 * The fast tier for a whole test file: the time-skipping server, the real workflows and a stand-in
 * worker per node, started before the first test and stopped after the last. `onStarted` hands
 * the server to the file (`(started) => (env = started)`).
 */
export function useStandInCluster(standIns: StandIns, onStarted: (env: TestWorkflowEnvironment) => void): void {
  let env: TestWorkflowEnvironment | undefined;
  let cluster: { shutdown(): Promise<void> } | undefined;
  beforeAll(async () => {
    env = await startTimeSkippingServer();
    cluster = await startStandInCluster(env, standIns);
    onStarted(env);
  }, 120_000);
  afterAll(async () => {
    await cluster?.shutdown();
    await env?.teardown();
  });
}
