import { allHandlersFinished, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { moveService } from '../plan/states';
import type { SignedService } from '../plan/signed-plan';
import type { ServiceSpec } from '../plan/types';
import { upgradeService } from '../plan/upgrade';
import { serviceProgressQuery } from './messages';
import { PATCHES } from './patches';
import type { CompletedStep, RollbackFailure, ServiceProgress, ServiceResult, StepProgress } from './progress';
import { completedSteps, undoStep, unwindSteps } from './saga';
import type { StepRunContext } from './step-runner';

export interface ServiceUndoInput {
  runId: string;
  plan: string;
  service: string;
  wave: number;
  /** The service as the run's plan has it: the undo commands come from here. */
  spec?: ServiceSpec;
  /** Before `spec`: the completed steps, shipped from the service child through the parent. */
  completed?: CompletedStep[];
  /** The service's steps as the parent recorded them (which ran, where); updated as undos run. */
  steps: StepProgress[];
  /** The node the service ran on, for the result. */
  node?: string;
  nodeTimeoutMs: number;
  /** Every `fromEnv` variable of the plan, redacted from every undo's output. */
  runSecretEnv?: string[];
  /** The service's share of the plan signature (undefined: an unsigned run). */
  signed?: SignedService;
}

/** Undoes a succeeded service during a cross-service rollback; never fails — it reports what could not be undone. */
export async function serviceUndoWorkflow(input: ServiceUndoInput): Promise<ServiceResult> {
  const ctx: StepRunContext = { runId: input.runId, plan: input.plan, service: input.service, nodeTimeoutMs: input.nodeTimeoutMs, runSecretEnv: input.runSecretEnv, signed: input.signed };
  // Runs that started before identity keys keep the keys they began with.
  if (!patched(PATCHES.identityIdempotencyKeys)) ctx.legacyUndoRoot = workflowInfo().workflowId;
  const progress: ServiceProgress = { name: input.service, wave: input.wave, state: 'rolling-back', nodesDown: [], startedAt: now(), steps: input.steps };
  setHandler(serviceProgressQuery, () => progress);
  const completed = input.completed ?? (input.spec ? completedSteps(upgradeService(input.spec), input.steps) : []);
  const failures: RollbackFailure[] = await unwindSteps(completed, (step) => undoStep(step, ctx, progress), input.service);
  const end = failures.length ? 'rollback-failed' : 'rolled-back';
  moveService(progress, end);
  progress.endedAt = now();
  await condition(allHandlersFinished);
  return { end, service: input.service, node: input.node, nodesDown: [], steps: progress.steps, undoFailures: failures };
}

function now(): string {
  return new Date(Date.now()).toISOString();
}
