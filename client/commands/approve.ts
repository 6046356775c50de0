import { approveUpdate } from '../../workflows/messages';
import type { ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { refusedAsExit3, withRun } from '../steer';

export interface ApproveOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  /** Who approves; checked against the plan's approvers. */
  as: string;
  /** The wave whose gate to answer. Default: the only open gate. */
  wave?: number;
  /** The service whose gate to answer. */
  service?: string;
  comment?: string;
  json?: boolean;
}

/** `maestro approve`: answers an open gate as an update, so a refusal comes back with its reason (exit 3). */
export async function approveCommand(options: ApproveOptions): Promise<void> {
  const gate = await withRun(options.connection, options.runId, (handle) =>
    refusedAsExit3(() => handle.executeUpdate(approveUpdate, { args: [{ approver: options.as, wave: options.wave, service: options.service, comment: options.comment }] })),
  );
  options.output.out(
    options.json
      ? JSON.stringify(gate)
      : `gate ${gate.id}: ${gate.state} (${gate.approvals.length}/${gate.minApprovals} approvals: ${gate.approvals.map((a) => a.approver).join(', ')})`,
  );
}
