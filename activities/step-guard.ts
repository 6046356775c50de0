import { ApplicationFailure, type Info } from '@temporalio/activity';
import { leafInPlan, parseStatement, type PlanStatement, type SignedService } from '../plan/signed-plan';
import { workflowRunsService, workflowWatchesService } from '../plan/run-binding';
import type { CheckSpec, CommandSpec, EnvValue } from '../plan/types';
import { NAMESPACES, findSigner, type TrustSet } from '../trust/allowed-signers';
import { verifySshsig, type Sshsig } from '../trust/sshsig';
import { FAILURE_TYPES } from './failure-types';
import { gateProblem } from './gate-check';
import type { RunBackgroundCheckInput, RunCheckInput, RunCommandInput } from './types';

/**
 * Where authority is checked: before a node runs any command or check, the step must come from a
 * plan signed by a key this node's own trust file allows `maestro-plan`, for this run, not
 * expired, and the command, environment and working directory are taken from the signed plan —
 * never from the activity's other (unsigned) arguments. In a run whose signed plan lists approval
 * keys, a step going forward past a gate must also carry that gate's signed approvals, which the
 * node checks against the same trust file (gate-check.ts).
 */

/** How a node decides what it may run. */
export type StepTrust =
  /** Check every step against the trust file; `current()` is re-read on every step (reloads, revocation). */
  | { mode: 'verify'; current(): TrustSet; source: string }
  /** Run what arrives, signed or not (`--insecure-unsigned`): for a closed test rig only. */
  | { mode: 'insecure-unsigned' };

export interface Signer {
  name: string;
  fingerprint: string;
}

export interface TrustedCommand {
  command: CommandSpec;
  cwd: string;
  env: Record<string, EnvValue>;
  timeoutMs: number;
  runId: string;
  plan: string;
  signer?: Signer;
}

export interface TrustedCheck {
  /** As recorded: a check from before kinds is upgraded (and checked) by the prober. */
  check: RunCheckInput['check'];
  runId: string;
  plan: string;
  signer?: Signer;
}

/** The signature checks that do not depend on the trust file, kept per signed statement. */
const MAX_CACHED = 256;

export function createStepGuard(trust: StepTrust, now: () => number = Date.now) {
  const checked = new Map<string, { ok: true; sig: Sshsig; statement: PlanStatement } | { ok: false; reason: string }>();

  function refuse(where: string, reason: string): never {
    throw ApplicationFailure.create({ message: `${where}: refused: ${reason}`, type: FAILURE_TYPES.untrustedStep, nonRetryable: true });
  }

  /** Cached by statement and signature together: a good signature must not vouch for other bytes. */
  function verifyStatement(signed: SignedService) {
    const key = `${signed.plan.signature}\u0000${signed.plan.statement}`;
    let result = checked.get(key);
    if (!result) {
      const sig = verifySshsig(signed.plan.signature, signed.plan.statement, NAMESPACES.plan);
      if (!sig.ok) result = { ok: false, reason: `plan signature: ${sig.reason}` };
      else {
        try {
          result = { ok: true, sig: sig.sig, statement: parseStatement(signed.plan.statement) };
        } catch (err) {
          result = { ok: false, reason: `plan statement: ${(err as Error).message}` };
        }
      }
      if (checked.size >= MAX_CACHED) checked.delete(checked.keys().next().value!);
      checked.set(key, result);
    }
    return result;
  }

  /**
   * The signed service, or a non-retryable refusal saying why. `mayRun` says which workflows of the
   * run may ask: a service's steps come from its service and undo children, its background checks
   * from the run itself.
   */
  function signedService(where: string, signed: SignedService | undefined, context: { service: string }, info: Pick<Info, 'workflowExecution'>, mayRun: (workflowId: string, runId: string, service: string) => boolean) {
    if (trust.mode !== 'verify') throw new Error('signedStep needs a trust file');
    if (!signed) refuse(where, `the step is not signed: this node runs only steps of plans signed by a key its trust file (${trust.source}) allows ${NAMESPACES.plan}`);
    if (typeof signed.plan?.signature !== 'string' || typeof signed.plan.statement !== 'string' || !Array.isArray(signed.proof) || typeof signed.leaf !== 'object') {
      refuse(where, 'the step carries a malformed signature envelope');
    }
    const verified = verifyStatement(signed);
    if (!verified.ok) refuse(where, verified.reason);
    const { statement, sig } = verified;
    // One reading of the trust file for the whole check (the plan signer and any gate approvals).
    const trustSet = trust.current();
    const signer = findSigner(trustSet, sig.publicKey, NAMESPACES.plan, now());
    if (!signer.ok) refuse(where, `plan signer not trusted: ${signer.reason} (${trust.source})`);
    const service = signed.leaf?.service;
    if (!service || service.name !== context.service) refuse(where, `the signed service is ${service?.name ?? 'missing'}, not ${context.service}`);
    const workflowId = info.workflowExecution?.workflowId ?? '(no workflow)';
    if (!mayRun(workflowId, statement.runId, service.name)) {
      refuse(where, `the plan was signed for run ${statement.runId}, not for workflow ${workflowId}`);
    }
    if (now() > Date.parse(statement.expiresAt)) refuse(where, `the plan signature expired at ${statement.expiresAt}`);
    if (!leafInPlan(statement, signed)) refuse(where, `the plan differs from what was signed (changed after signing; service ${service.name} or one hashed with it)`);
    return { service, statement, planSigner: sig.publicKey, trustSet, signer: { name: signer.name, fingerprint: signer.fingerprint } };
  }

  /** The signed step, or a non-retryable refusal saying why. */
  function signedStep(where: string, signed: SignedService | undefined, context: { service: string; step: string; phase: 'do' | 'undo' }, info: Pick<Info, 'workflowExecution'>) {
    const { service, statement, planSigner, trustSet, signer } = signedService(where, signed, context, info, workflowRunsService);
    const step = service.steps.find((s) => s.name === context.step);
    if (!step) refuse(where, `the signed plan has no step ${context.step} in ${service.name}`);
    // Going forward past a gate needs its approvals, in a run whose signer bound its answers to
    // approval keys (the statement lists them; `maestro run` copies them from the trust file).
    // Undoing what already ran does not: a rollback must not wait on a signature, and a gated
    // service only ran once its gate was approved.
    if (context.phase === 'do' && statement.approvers.length > 0) {
      const problem = gateProblem({ leaf: signed!.leaf, statement, planSigner, approvals: signed!.approvals, trust: trustSet, nowMs: now() });
      if (problem) refuse(where, problem);
    }
    return { step, statement, signer };
  }

  return {
    command(input: RunCommandInput, info: Pick<Info, 'workflowExecution'>, where: string): TrustedCommand {
      const { context } = input;
      if (trust.mode === 'insecure-unsigned') return { command: input.command, cwd: input.cwd, env: input.env, timeoutMs: input.timeoutMs, runId: context.runId, plan: context.plan };
      const { step, statement, signer } = signedStep(where, input.signed, context, info);
      const command: CommandSpec | undefined = step.kind !== 'run' ? undefined : context.phase === 'undo' ? step.undo : step.run;
      if (!command || step.kind !== 'run') refuse(where, `signed step ${step.name} has no ${context.phase === 'undo' ? 'undo' : 'run'} command`);
      return { command, cwd: step.cwd, env: step.env, timeoutMs: step.timeoutMs, runId: statement.runId, plan: statement.plan, signer };
    },
    check(input: RunCheckInput, info: Pick<Info, 'workflowExecution'>, where: string): TrustedCheck {
      const { context } = input;
      if (trust.mode === 'insecure-unsigned') return { check: input.check, runId: context.runId, plan: context.plan };
      const { step, statement, signer } = signedStep(where, input.signed, context, info);
      if (step.kind !== 'check' || context.phase !== 'do') refuse(where, `signed step ${step.name} is not a check`);
      return { check: step.check, runId: statement.runId, plan: statement.plan, signer };
    },
    /** A background check (`services.<name>.analysis`) probes the signed check, asked by the run's own workflow. */
    backgroundCheck(input: RunBackgroundCheckInput, info: Pick<Info, 'workflowExecution'>, where: string): { check: CheckSpec; runId: string; plan: string; signer?: Signer } {
      const { context } = input;
      if (trust.mode === 'insecure-unsigned') return { check: input.check, runId: context.runId, plan: context.plan };
      const { service, statement, signer } = signedService(where, input.signed, context, info, workflowWatchesService);
      const analysis = service.analysis?.find((a) => a.name === context.step);
      if (!analysis) refuse(where, `the signed plan has no background check ${context.step} in ${service.name}`);
      return { check: analysis.check, runId: statement.runId, plan: statement.plan, signer };
    },
  };
}

export type StepGuard = ReturnType<typeof createStepGuard>;
