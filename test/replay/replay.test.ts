import { Worker, bundleWorkflowCode, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { maestroDataConverter } from '../../connection/codec';
import { loadScenarios, replayInput, type RecordedScenario } from '../histories/recorded';
import { workflowBundle } from '../helpers/temporal-env';
import { PATCHES } from '../../workflows/patches';

// Replays every history under test/histories/ (re-record with test/histories/record.ts) against
// the workflow code of this checkout, with the data converter production uses.
const scenarios = loadScenarios();

/** What production would use for this history: MAESTRO_PAYLOAD_KEY set when it was recorded encrypted. */
function productionOptions(scenario: RecordedScenario) {
  const dataConverter = maestroDataConverter(scenario.payloadKey ? { MAESTRO_PAYLOAD_KEY: scenario.payloadKey } : {});
  return { dataConverter, failureConverterPath: dataConverter.failureConverterPath };
}

async function replay(scenario: RecordedScenario, options: ReplayWorkerOptions): Promise<Array<{ workflowId: string; error?: Error }>> {
  const results: Array<{ workflowId: string; error?: Error }> = [];
  for await (const result of Worker.runReplayHistories({ ...options, replayName: `replay-${scenario.scenario}` }, replayInput(scenario))) {
    results.push({ workflowId: result.workflowId, error: result.error });
  }
  return results;
}

describe('replay of recorded histories', () => {
  it('has the scenarios the guarantees rest on', () => {
    expect(scenarios.map((s) => s.scenario)).toEqual([
      'abort',
      'approval',
      'auto-approve-refused',
      'auto-approve',
      'background-rollback',
      'busy-node',
      'continue',
      'decide-skip',
      'encrypted-rollback',
      'freeze-override',
      'history-limit',
      'inconclusive-pause',
      'malformed-pause',
      'node-down-remembered',
      'node-down',
      'notify',
      'pause-decision',
      'rollback-incomplete',
      'rollback',
      'signed-abort',
      'signed-approval',
      'signed-gate-approvals',
      'signed-live-changes',
      'success',
      'tune',
    ]);
    for (const s of scenarios) expect(new Set(s.workflows.map((w) => w.workflowType)).has('deploymentWorkflow')).toBe(true);
    // The notification children replay too: gate-opened, rollback-started, rollback-finished.
    expect(scenarios.find((s) => s.scenario === 'notify')!.workflows.filter((w) => w.workflowType === 'notifyWorkflow')).toHaveLength(3);
    // A gated service's child input carries the gate's signed approvals (the node checks them).
    const gated = scenarios.find((s) => s.scenario === 'signed-gate-approvals')!.workflows.find((w) => w.workflowId.endsWith('/second'))!;
    expect(JSON.stringify(startInput(gated))).toMatch(/"approvals":\[\{"gate":"wave-2","signedAt":"[^"]+","signature":"-----BEGIN SSH SIGNATURE-----/);
  });

  it.each([
    ['busy-node', PATCHES.busyNodeNotDown],
    ['background-rollback', PATCHES.backgroundChecks],
    ['freeze-override', PATCHES.deployWindows],
    ['tune', PATCHES.liveTuning],
    ['signed-live-changes', PATCHES.signedLiveChanges],
    ['history-limit', PATCHES.stopBeforeHistoryLimit],
    ['malformed-pause', PATCHES.refuseMalformedPause],
    ['signed-abort', PATCHES.signedAbort],
  ])('%s went down the path of patch %s', (name, patch) => {
    expect(patchMarkers(scenarios.find((s) => s.scenario === name)!)).toContain(patch);
  });

  it.each(scenarios.map((s) => [s.scenario, s] as const))('%s replays without a determinism violation', async (_name, scenario) => {
    const { dataConverter, failureConverterPath } = productionOptions(scenario);
    const results = await replay(scenario, { workflowBundle: await workflowBundle({ failureConverterPath }), dataConverter });
    expect(results.map((r) => r.workflowId)).toEqual(scenario.workflows.map((w) => w.workflowId));
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error?.message}`)).toEqual([]);
  }, 60_000);

  it('an encrypted history does not replay without its key', async () => {
    const scenario = scenarios.find((s) => s.payloadKey)!;
    const results = await replay(scenario, { workflowBundle: await workflowBundle({ failureConverterPath: undefined }), dataConverter: maestroDataConverter({}) });
    expect(results.every((r) => r.error)).toBe(true);
  }, 60_000);

  it('catches a change released without patched(), and accepts one behind patched()', async () => {
    const scenario = scenarios.find((s) => s.scenario === 'success')!;
    const changed = await bundleWorkflowCode({ workflowsPath: require.resolve('./variants/changed-workflows'), logger: quiet });
    const results = await replay(scenario, { workflowBundle: changed, ...productionOptions(scenario) });
    const byType = (type: string) => results.filter((_, i) => scenario.workflows[i]?.workflowType === type);

    const [parent] = byType('deploymentWorkflow');
    expect(parent?.error).toBeInstanceOf(DeterminismViolationError);
    expect(byType('serviceWorkflow').map((r) => r.error)).toEqual([undefined, undefined, undefined]);
  }, 90_000);
});

/** The decoded input of a recorded workflow (plain JSON payloads: these scenarios are recorded without a payload key). */
function startInput(w: RecordedScenario['workflows'][number]): unknown {
  type Started = { workflowExecutionStartedEventAttributes?: { input?: { payloads?: Array<{ data?: string }> } } };
  const data = (w.history as { events?: Started[] }).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data ?? '';
  return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
}

/** The patch ids a scenario's histories recorded markers for (`patched()` returned true there). */
function patchMarkers(scenario: RecordedScenario): string[] {
  type Marker = { markerName?: string; details?: Record<string, { payloads?: Array<{ data?: string }> }> };
  const ids = new Set<string>();
  for (const w of scenario.workflows) {
    for (const event of (w.history as { events?: Array<{ markerRecordedEventAttributes?: Marker }> }).events ?? []) {
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_patch') continue;
      for (const p of marker.details?.['patch-data']?.payloads ?? []) {
        const { id } = JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id?: string };
        if (id) ids.add(id);
      }
    }
  }
  return [...ids];
}

const noop = () => undefined;
const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
