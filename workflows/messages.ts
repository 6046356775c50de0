import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OverrideFreezePayload, AbortPayload, ApprovePayload, DecidePayload, PausePayload, RejectPayload, TunePayload } from '../plan/messages';
import type { TuneResult } from './tuning';
import type { GateProgress, RunProgress, ServiceProgress } from './progress';

/**
 * Messages of a run. Wire names are the constant without its suffix and never change: running
 * workflows and scripts (`temporal workflow signal --name approve`) depend on them.
 */

/** The deployment's state: services, gates, audit trail. */
export const progressQuery = defineQuery<RunProgress>('progress');
/** A service child's live state: its steps. */
export const serviceProgressQuery = defineQuery<ServiceProgress>('serviceProgress');

/** Answer a gate; refused with a reason when it does not apply. Returns the gate after the decision. */
export const approveUpdate = defineUpdate<GateProgress, [ApprovePayload]>('approve');
export const rejectUpdate = defineUpdate<GateProgress, [RejectPayload]>('reject');
/** Let new waves start during the freeze that holds the run (refused when no freeze does). */
export const overrideFreezeUpdate = defineUpdate<{ accepted: true; freeze: string }, [OverrideFreezePayload]>('overrideFreeze');
/** A live change to the run (`maestro tune`); refused with the reason when impossible now. */
export const tuneUpdate = defineUpdate<TuneResult, [TunePayload]>('tune');
/** Decide what to do about a failed service when the run is paused on it. */
export const decideUpdate = defineUpdate<{ accepted: true; action: string }, [DecidePayload]>('decide');

/** The same answers as signals (Temporal CLI, Web UI): bad ones are recorded as refused. */
export const approveSignal = defineSignal<[ApprovePayload]>('approve');
export const rejectSignal = defineSignal<[RejectPayload]>('reject');
export const decideSignal = defineSignal<[DecidePayload]>('decide');

/** No new step starts while paused; running steps finish. */
export const pauseSignal = defineSignal<[PausePayload?]>('pause');
export const resumeSignal = defineSignal<[PausePayload?]>('resume');
/** Stop the run; rolls back unless `rollback: false`. */
export const abortSignal = defineSignal<[AbortPayload?]>('abort');
