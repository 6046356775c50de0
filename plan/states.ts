/**
 * The states of a run, its services, their steps and its gates, and the moves allowed between
 * them: one table each. Workflows change a state only through `move*` here, so a move the table
 * does not allow is a bug that shows at once (a workflow task failure: fix and redeploy, the run
 * resumes) instead of a record that quietly says something that did not happen.
 */

export const RUN_STATES = ['running', 'awaiting-approval', 'paused', 'rolling-back', 'succeeded', 'failed', 'rolled-back', 'rollback-incomplete', 'aborted'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Run states after which nothing more happens. */
export const FINAL_RUN_STATES: readonly RunState[] = ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete', 'aborted'];

export const SERVICE_STATES = ['pending', 'awaiting-approval', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'rolling-back', 'rolled-back', 'rollback-failed'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'undoing', 'undone', 'undo-failed'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const GATE_STATES = ['waiting', 'open', 'approved', 'rejected', 'timed-out'] as const;
export type GateState = (typeof GATE_STATES)[number];

type Moves<S extends string> = Readonly<Record<S, readonly S[]>>;

const LIVE_RUN: readonly RunState[] = ['running', 'awaiting-approval', 'paused'];

export const RUN_MOVES: Moves<RunState> = {
  running: [...LIVE_RUN, 'rolling-back', ...FINAL_RUN_STATES],
  'awaiting-approval': [...LIVE_RUN, 'rolling-back', ...FINAL_RUN_STATES],
  paused: [...LIVE_RUN, 'rolling-back', ...FINAL_RUN_STATES],
  'rolling-back': FINAL_RUN_STATES,
  succeeded: [],
  failed: [],
  'rolled-back': [],
  'rollback-incomplete': [],
  aborted: [],
};

export const SERVICE_MOVES: Moves<ServiceState> = {
  pending: ['awaiting-approval', 'running', 'skipped'],
  'awaiting-approval': ['pending', 'skipped'],
  // A cancelled service whose own undo failed ends rollback-failed.
  running: ['succeeded', 'failed', 'cancelled', 'rolling-back', 'rollback-failed'],
  // Undoing its own steps before it reports failed or cancelled (the child's view).
  'rolling-back': ['failed', 'cancelled', 'rolled-back', 'rollback-failed'],
  succeeded: ['rolling-back'],
  // onFailure: pause — the operator retries or skips the failed service.
  failed: ['pending', 'skipped'],
  skipped: [],
  cancelled: [],
  'rolled-back': [],
  'rollback-failed': [],
};

export const STEP_MOVES: Moves<StepState> = {
  pending: ['running'],
  // running → running: the step moves to the next node after one was found down.
  running: ['running', 'succeeded', 'failed', 'skipped'],
  succeeded: ['undoing'],
  failed: [],
  skipped: [],
  undoing: ['undone', 'undo-failed'],
  undone: [],
  'undo-failed': [],
};

export const GATE_MOVES: Moves<GateState> = {
  waiting: ['open'],
  open: ['approved', 'rejected', 'timed-out'],
  approved: [],
  rejected: [],
  'timed-out': [],
};

/** States after which a service will not run again unless an operator retries it. */
const SETTLED: ReadonlySet<ServiceState> = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'rolled-back', 'rollback-failed']);

export function isSettled(state: ServiceState): boolean {
  return SETTLED.has(state);
}

export function isFinalRunState(state: RunState): boolean {
  return FINAL_RUN_STATES.includes(state);
}

/** A move the table does not allow: a bug in the workflow, never an operator's mistake. */
export class IllegalMove extends Error {
  constructor(what: string, from: string, to: string) {
    super(`${what}: ${from} → ${to} is not an allowed move`);
    this.name = 'IllegalMove';
  }
}

/** Staying in the same state is always allowed (and changes nothing). */
export function allowed<S extends string>(moves: Moves<S>, from: S, to: S): boolean {
  return from === to || moves[from].includes(to);
}

function move<S extends string, T extends { state: S }>(moves: Moves<S>, what: string, holder: T, to: S): void {
  if (!allowed(moves, holder.state, to)) throw new IllegalMove(what, holder.state, to);
  (holder as { state: S }).state = to;
}

/** The one writer of a run's state. */
export function moveRun(run: { readonly state: RunState }, to: RunState): void {
  move(RUN_MOVES, 'run', run as { state: RunState }, to);
}

/** The one writer of a service's state (in the parent through `RunBook.setServiceState`). */
export function moveService(service: { readonly state: ServiceState; readonly name: string }, to: ServiceState): void {
  move(SERVICE_MOVES, `service ${service.name}`, service as { state: ServiceState; name: string }, to);
}

export function moveStep(step: { readonly state: StepState; readonly name: string }, to: StepState): void {
  move(STEP_MOVES, `step ${step.name}`, step as { state: StepState; name: string }, to);
}

export function moveGate(gate: { readonly state: GateState; readonly id: string }, to: GateState): void {
  move(GATE_MOVES, `gate ${gate.id}`, gate as { state: GateState; id: string }, to);
}
