import { pauseSignal, resumeSignal } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { withRun } from '../steer';

export interface PauseOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Recorded in the audit trail. Default: the OS user. */
  as?: string;
  json?: boolean;
}

/** `maestro pause`: no new step starts; running steps finish. */
export async function pauseCommand(options: PauseOptions): Promise<void> {
  await withRun(options.connection, options.runId, (handle) => handle.signal(pauseSignal, { by: options.as }));
  options.output.out(options.json ? JSON.stringify({ runId: options.runId, signal: 'pause' }) : `pause sent to ${options.runId}`);
}

/** `maestro resume`: steps start again (a run waiting on a decision needs `decide`). */
export async function resumeCommand(options: PauseOptions): Promise<void> {
  await withRun(options.connection, options.runId, (handle) => handle.signal(resumeSignal, { by: options.as }));
  options.output.out(options.json ? JSON.stringify({ runId: options.runId, signal: 'resume' }) : `resume sent to ${options.runId}`);
}
