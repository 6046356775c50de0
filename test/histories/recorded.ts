import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Client, HistoryAndWorkflowId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { History } = temporal.api.history.v1;
/**
 * Histories are kept in protobufjs' object form (enums and longs as strings, bytes as base64):
 * `historyToJSON`/`historyFromJSON` of @temporalio/common fail in this install (two copies of
 * protobufjs), and this form round-trips through @temporalio/proto alone.
 */
const OBJECT_FORM = { longs: String, enums: String, bytes: String } as const;

/** Where the recorded histories live, one JSON file per scenario. */
export const HISTORIES_DIR = __dirname;

/** One recorded scenario: the histories of a run's workflows (the deployment and its children). */
export interface RecordedScenario {
  scenario: string;
  /** What the run did, in a sentence. */
  description: string;
  recordedAt: string;
  /**
   * Set when the run was recorded with payload encryption: a throwaway key made for this
   * recording only, so replay can decode it (MAESTRO_PAYLOAD_KEY).
   */
  payloadKey?: string;
  workflows: Array<{ workflowId: string; workflowType: string; history: unknown }>;
}

/** Scenarios whose histories are large (a flood of messages) are kept gzipped: `<scenario>.json.gz`. */
export interface SaveOptions {
  gzip?: boolean;
}

/** Every execution of `workflowId` (a retried service runs its child again under the same id), oldest first. */
async function executions(client: Client, workflowId: string): Promise<Array<string | undefined>> {
  const runIds: string[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runIds.push(info.runId);
  return runIds.length ? runIds.reverse() : [undefined];
}

/**
 * Fetches the histories of every execution of `workflowIds` and writes them as `<scenario>.json`.
 * An existing file is kept unless MAESTRO_RERECORD=1: it may be the only history of a code path
 * that is now behind `patched()` (see README.md), and recording it again loses that path.
 */
export async function saveScenario(client: Client, scenario: Omit<RecordedScenario, 'recordedAt' | 'workflows'>, workflowIds: string[], options: SaveOptions = {}): Promise<{ file: string; written: boolean }> {
  const file = join(HISTORIES_DIR, `${scenario.scenario}.json${options.gzip ? '.gz' : ''}`);
  if (existsSync(file) && process.env.MAESTRO_RERECORD !== '1') return { file, written: false };
  const workflows: RecordedScenario['workflows'] = [];
  for (const workflowId of workflowIds) {
    for (const runId of await executions(client, workflowId)) {
      const handle = client.workflow.getHandle(workflowId, runId);
      const [history, description] = await Promise.all([handle.fetchHistory(), handle.describe()]);
      workflows.push({ workflowId, workflowType: description.type, history: History.toObject(History.fromObject(history), OBJECT_FORM) });
    }
  }
  const recorded: RecordedScenario = { ...scenario, recordedAt: new Date().toISOString(), workflows };
  const text = `${JSON.stringify(recorded, null, 1)}\n`;
  writeFileSync(file, options.gzip ? gzipSync(text, { level: 9 }) : text);
  return { file, written: true };
}

/** Every recorded scenario, by file name. */
export function loadScenarios(): RecordedScenario[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json') || f.endsWith('.json.gz'))
    .sort()
    .map((f) => {
      const bytes = readFileSync(join(HISTORIES_DIR, f));
      return JSON.parse((f.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as RecordedScenario;
    });
}

/** A scenario's histories, as `Worker.runReplayHistories` takes them. */
export function replayInput(scenario: RecordedScenario): HistoryAndWorkflowId[] {
  return scenario.workflows.map((w) => ({ workflowId: w.workflowId, history: History.fromObject(w.history as Record<string, unknown>) }));
}
