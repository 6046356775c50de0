import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { analysisLabel, decisionSubject } from '../plan/analysis';
import { computeWaves } from '../plan/graph';
import { approveHint, windowWaitLine } from '../plan/messages';
import { tuningLine } from '../plan/tuning';
import { routeServices } from '../plan/routing';
import { secretEnvNames } from '../plan/secret-names';
import { FINAL_RUN_STATES, isSettled, moveRun, moveService, type ServiceState } from '../plan/states';
import { upgradePlan } from '../plan/upgrade';
import type * as SignedPlanModule from '../plan/signed-plan';
import type { PlanSignature, SignedApproval, SignedService } from '../plan/signed-plan';
import { ApprovalKeys } from './approval-keys';
import type { NormalizedPlan } from '../plan/types';
import type { AuditEntry, RunProgress, RunState, ServiceProgress } from './progress';
import { SEARCH_ATTRIBUTES } from './search-attributes';

export interface DeploymentInput {
  /** The run id (also the workflow id). */
  runId: string;
  plan: NormalizedPlan;
  /** Operator who started the run (`--as`, else the OS user). */
  startedBy?: string;
  /** Approve every gate as `startedBy` (recorded as such in the audit trail). */
  autoApprove?: boolean;
  /**
   * With `autoApprove`: approve this long after the gate opens instead of at once (`maestro
   * simulate --approve-after`); a gate timeout that comes first still wins.
   */
  autoApproveAfterMs?: number;
  /**
   * The plan's signature for this run (`maestro run` signs it). Each service child gets its
   * service's share and hands it to every step, which node workers verify before running it.
   */
  signature?: PlanSignature;
}

export const now = (): string => new Date(Date.now()).toISOString();

/**
 * The deployment's book: everything the parent knows about the run, the one thing the
 * `progress` query returns, and a change counter the main loop waits on.
 */
export class RunBook {
  readonly progress: RunProgress;
  readonly waveOf = new Map<string, number>();
  readonly routes: Record<string, string[]>;
  /** Nodes a service of this run found down (no worker took its step within nodeTimeout). */
  readonly nodesDown = new Set<string>();
  /** The plan's `fromEnv` names for the children's inputs; left out when there are none, so such inputs stay as they were. */
  readonly secretEnv: { runSecretEnv?: string[] };
  /** The plan, in today's shape even when the run was started by an older Maestro (plan/upgrade.ts). */
  readonly plan: NormalizedPlan;
  private changes = 0;
  /** A read-only view of the services' states for the scheduler, rebuilt after a change; the states themselves live in `progress`. */
  private statesView?: Record<string, ServiceState>;
  /** Unsettled services per 1-based wave: the first wave with any is the current one. */
  private readonly unsettled: number[] = [];
  /**
   * Runs started with Maestro's search attributes keep them current; a run started without
   * them (another client, a server where they are not registered) is left unindexed.
   */
  private readonly indexed = workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTES.plan) !== undefined;

  constructor(readonly input: DeploymentInput) {
    this.approvalKeys = new ApprovalKeys(input);
    const plan = upgradePlan(input.plan);
    this.plan = plan;
    const waves = computeWaves(plan);
    waves.forEach((wave, i) => wave.forEach((s) => this.waveOf.set(s, i + 1)));
    // Every service starts pending: unsettled.
    waves.forEach((wave, i) => (this.unsettled[i + 1] = wave.length));
    this.routes = routeServices(plan);
    const names = secretEnvNames(plan);
    this.secretEnv = names.length ? { runSecretEnv: names } : {};
    const services: Record<string, ServiceProgress> = {};
    for (const s of plan.services) {
      services[s.name] = {
        name: s.name,
        wave: this.waveOf.get(s.name) ?? 0,
        state: 'pending',
        node: this.routes[s.name]?.[0],
        nodesDown: [],
        steps: s.steps.map((step) => ({ name: step.name, kind: step.kind, state: 'pending', attempts: 0 })),
      };
    }
    this.progress = {
      runId: input.runId,
      plan: plan.name,
      state: 'running',
      startedAt: now(),
      startedBy: input.startedBy,
      waves,
      currentWave: 1,
      services,
      gates: [],
      audit: [],
      rollbackFailures: [],
    };
    const statement = this.approvalKeys.planStatement();
    if (statement) {
      const signer = this.approvalKeys.starterName();
      this.progress.signed = {
        planHash: statement.planHash,
        expiresAt: statement.expiresAt,
        fingerprint: this.approvalKeys.starterFingerprint(),
        approvalKeys: this.approvalKeys.approvers.map((a) => a.name),
        ...(signer ? { signer } : {}),
      };
    }
  }

  private signed?: { get(name: string): SignedService | undefined };
  /** Who may answer this run, when it is signed (approval-keys.ts). */
  readonly approvalKeys: ApprovalKeys;
  /**
   * The signed approvals each gate accepted (gate id → approvals), written by the GateKeeper.
   * Handed with the share of every service the gate holds: the node checks them itself.
   */
  readonly gateApprovals = new Map<string, SignedApproval[]>();

  /** The signed share of a service for a child's input; nothing for an unsigned run, so such inputs stay as they were. */
  signedArg(name: string): { signed?: SignedService } {
    if (!this.input.signature) return {};
    // Hashing every service once, when the first child starts (bench/RESULTS.md: signing cost).
    // Required here, not imported: a module's top level runs in every workflow's context (each
    // service child too), and only the parent of a signed run needs the hashing code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { signedServices } = require('../plan/signed-plan') as typeof SignedPlanModule;
    this.signed ??= signedServices(this.plan, this.input.signature);
    const signed = this.signed.get(name);
    if (!signed) return {};
    const wave = this.waveOf.get(name);
    const approvals = this.progress.gates.filter((g) => g.wave === wave || g.service === name).flatMap((g) => this.gateApprovals.get(g.id) ?? []);
    return { signed: approvals.length ? { ...signed, approvals } : signed };
  }

  /** Something changed: wakes the main loop. */
  touch(): void {
    this.changes++;
  }

  get version(): number {
    return this.changes;
  }

  service(name: string): ServiceProgress {
    const service = this.progress.services[name];
    if (!service) throw new Error(`unknown service ${name}`);
    return service;
  }

  /** Every service's state, kept as they change: the scheduler reads it on every pass. */
  states(): Readonly<Record<string, ServiceState>> {
    this.statesView ??= Object.fromEntries(Object.values(this.progress.services).map((s) => [s.name, s.state]));
    return this.statesView;
  }

  /** The one writer of a service's state in the parent: checks the move, keeps the wave current, wakes the loop. */
  setServiceState(name: string, state: ServiceState): void {
    const service = this.service(name);
    const wasSettled = isSettled(service.state);
    moveService(service, state);
    // Both kept current in place, each change O(1): rebuilding the view and rescanning every wave
    // on each change made stopping 5,000 services O(n²), an activation past the workflow deadlock
    // timeout that crashed the worker. The wave found is the one firstUnsettledWave (plan/scheduling.ts) finds.
    if (this.statesView) this.statesView[name] = state;
    const w = this.waveOf.get(name) ?? 0;
    this.unsettled[w] = (this.unsettled[w] ?? 0) + (wasSettled ? 1 : 0) - (isSettled(state) ? 1 : 0);
    let wave = 1;
    while (wave <= this.progress.waves.length && (this.unsettled[wave] ?? 0) === 0) wave++;
    if (wave !== this.progress.currentWave && wave <= this.progress.waves.length) {
      this.progress.currentWave = wave;
      this.index({ key: SEARCH_ATTRIBUTES.wave, value: wave });
    }
    this.touch();
  }

  setRunState(state: RunState): void {
    if (this.progress.state !== state) {
      moveRun(this.progress, state);
      this.index({ key: SEARCH_ATTRIBUTES.state, value: state });
      this.touch();
    }
    setCurrentDetails(this.describe());
  }

  private index(update: SearchAttributeUpdatePair): void {
    if (this.indexed) upsertSearchAttributes([update]);
  }

  audit(entry: Omit<AuditEntry, 'at'>): AuditEntry {
    const full = { at: now(), ...entry };
    this.progress.audit.push(full);
    this.touch();
    return full;
  }

  /** The Web UI's live line: state, wave, open gate. */
  describe(): string {
    const p = this.progress;
    const open = p.gates.find((g) => g.state === 'open');
    const lines = [`**${p.state}** — wave ${p.currentWave}/${p.waves.length}`];
    // Once the run has ended nobody can answer the gate: say so rather than offer a command that fails.
    if (open && FINAL_RUN_STATES.includes(p.state)) lines.push(`Gate **${open.id}** not decided before the run ended`);
    else if (open) lines.push(`Gate **${open.id}** open: \`${approveHint(p.runId, open)}\``);
    if (p.pendingDecision) lines.push(`Waiting for a decision on **${decisionSubject(p.pendingDecision)}**: ${p.pendingDecision.error}`);
    const watching = (p.analyses ?? []).filter((a) => a.state === 'running');
    if (watching.length) lines.push(`Background checks running: ${watching.map((a) => analysisLabel(a.service, a.name)).join(', ')}`);
    if (p.windowWait) lines.push(windowWaitLine(p.windowWait));
    const tuned = tuningLine(p.tuning);
    if (tuned && !FINAL_RUN_STATES.includes(p.state)) lines.push(tuned);
    if (p.failure) lines.push(`Failure: ${p.failure}`);
    return lines.join('\n\n');
  }
}
