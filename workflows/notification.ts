import { approveHint, decideHint } from '../plan/messages';
import type { Notification, NotifyEvent } from '../plan/notify';
import type { GateProgress, RunProgress } from './progress';

export type { Notification } from '../plan/notify';

const rejectHint = (runId: string, gate: GateProgress): string =>
  `maestro reject ${runId} --as NAME ${gate.wave !== undefined ? `--wave ${gate.wave}` : `--service ${gate.service ?? '?'}`} --reason TEXT`;

/** The notification of `event`, from the run's progress as it is now (and the gate that opened). */
export function notificationOf(event: NotifyEvent, progress: RunProgress, id: string, gate?: GateProgress): Notification {
  const base = { id, event, runId: progress.runId, plan: progress.plan, state: progress.state, at: new Date(Date.now()).toISOString() };
  const run = `${progress.plan} (run ${progress.runId})`;
  switch (event) {
    case 'gate-opened': {
      const g = gate!;
      const approveCommand = approveHint(progress.runId, g);
      return {
        ...base,
        // The run's state follows on the scheduler's next pass; a gate just opened is what it waits for.
        state: 'awaiting-approval',
        text: `${run}: gate ${g.id} is open${g.deadline ? ` until ${g.deadline}` : ''}. Approve with \`${approveCommand}\``,
        gate: { id: g.id, wave: g.wave, service: g.service, deadline: g.deadline, approveCommand, rejectCommand: rejectHint(progress.runId, g) },
      };
    }
    case 'decision-needed': {
      const d = progress.pendingDecision;
      const decideCommand = decideHint(progress.runId);
      return {
        ...base,
        text: `${run}: waiting for a decision on ${d?.service ?? '?'}: ${d?.error ?? ''}. Decide with \`${decideCommand}\``,
        decision: { service: d?.service ?? '?', error: d?.error ?? '', decideCommand },
      };
    }
    case 'rollback-started':
      return { ...base, text: `${run}: rolling back: ${progress.failure ?? 'see the run'}`, failure: progress.failure };
    case 'rollback-finished':
      return { ...base, text: `${run}: rolled back (${progress.state}): ${progress.failure ?? ''}`, failure: progress.failure };
    case 'rollback-incomplete':
      return {
        ...base,
        text: `${run}: rollback INCOMPLETE, ${progress.rollbackFailures.length} undo(s) failed: see \`maestro report ${progress.runId}\``,
        failure: progress.failure,
        rollbackFailures: progress.rollbackFailures.length,
      };
    case 'run-failed':
      return { ...base, text: `${run}: ${progress.state}: ${progress.failure ?? 'see the run'}`, failure: progress.failure };
    case 'run-succeeded':
      return { ...base, text: `${run}: succeeded` };
  }
}

/** The event a run's final state is announced with; `rolledBack`: the run undid what it had done. */
export function endEvent(state: RunProgress['state'], rolledBack: boolean): NotifyEvent {
  if (state === 'aborted' && rolledBack) return 'rollback-finished';
  switch (state) {
    case 'succeeded':
      return 'run-succeeded';
    case 'rolled-back':
      return 'rollback-finished';
    case 'rollback-incomplete':
      return 'rollback-incomplete';
    default:
      // failed, or aborted without a rollback.
      return 'run-failed';
  }
}
