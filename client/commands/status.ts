import { withClient } from '../connection';
import { type ConnectionSettings } from '../../connection/settings';
import type { Output } from '../output';
import { existingRun } from '../run/handle';
import { withLiveSteps } from '../run/history';
import { readProgress } from '../run/progress';
import { renderStatus } from '../render/status-text';
import { readableProgress } from '../run/view';

export interface StatusOptions {
  output: Output;
  connection: ConnectionSettings;
  runId: string;
  json?: boolean;
}

/** `maestro status`: the run's state, waves, services, steps, gates and audit trail. */
export async function statusCommand(options: StatusOptions): Promise<void> {
  return withClient(options.connection, async (client) => {
    const handle = await existingRun(client, options.runId);
    const progress = await readProgress(client, handle);
    // A running check's last probe (the resolved query and its values) from its heartbeats.
    await withLiveSteps(client, progress);
    options.output.out(options.json ? JSON.stringify(readableProgress(progress), null, 2) : renderStatus(progress));
  });
}
