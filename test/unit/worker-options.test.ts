import { workerTuning } from '../../workers/worker-options';

describe('worker tuning', () => {
  it("gives a workflow activation a minute, not the SDK's 5 s, so a query replaying a big run does not stop the orchestrator", () => {
    expect(workerTuning({}).workflowTimeLimitMs).toBe(60_000);
    expect(workerTuning({ MAESTRO_WORKFLOW_TIME_LIMIT: '2m' }).workflowTimeLimitMs).toBe(120_000);
  });
});
