import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { overrideFreezeUpdate } from '../../workflows/messages';
import { planFrom } from '../helpers/plans';
import { startRun } from '../helpers/runs';
import { startTimeSkippingServer } from '../helpers/temporal-env';
import { useTestCluster } from '../helpers/test-cluster';

// Deploy windows and freezes on the time-skipping server: days pass in seconds.
let env: TestWorkflowEnvironment;
useTestCluster((started) => ({ env } = started), { server: startTimeSkippingServer });

const HOUR = 3_600_000;
const parisHour = (ms: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms)));

/** The last Sunday of `month` (0-based) of `year`, at 00:00 UTC. */
function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getTime() - last.getUTCDay() * 24 * HOUR;
}

/** The next instant from `ms` on when it is 09:00 in Paris (found hour by hour with Intl, not with the code under test). */
function nextParisNine(ms: number): number {
  if (parisHour(ms) === 9) return ms;
  let t = Math.ceil(ms / HOUR) * HOUR;
  while (parisHour(t) !== 9) t += HOUR;
  return t;
}

function twoWaves(name: string, firstWaitMs: number, extra: Record<string, unknown>) {
  return planFrom(
    JSON.stringify({
      apiVersion: 'maestro/v1',
      name,
      ...extra,
      services: {
        a: { steps: [{ name: 'long', wait: `${firstWaitMs}ms` }] },
        b: { dependsOn: ['a'], steps: [{ name: 'short', wait: '1m' }] },
      },
    }),
  );
}

describe('deploy windows across a daylight-saving change', () => {
  // Paris moves from +1 h to +2 h on the last Sunday of March at 01:00 UTC, and back in October.
  it.each([
    { change: 'spring forward (last Sunday of March)', month: 2, nineUtc: 7 },
    { change: 'fall back (last Sunday of October)', month: 9, nineUtc: 8 },
  ])('$change: the next wave starts at 09:00 Paris time, which is $nineUtc:00 UTC', async ({ month, nineUtc }) => {
    const now = await env.currentTimeMs();
    let year = new Date(now).getUTCFullYear();
    if (lastSunday(year, month) < now + 2 * 24 * HOUR) year++;
    const sunday = lastSunday(year, month);
    // Wave 1 opens at the next 09:00 in Paris and its step runs past the window's end, into the
    // Sunday of the change (04:00 UTC, after the change at 01:00 UTC): it is not stopped.
    const firstStart = nextParisNine(now);
    const plan = twoWaves(`window-dst-${month}`, sunday + 4 * HOUR - firstStart, { windows: ['Mon-Sun 09:00-10:00 Europe/Paris'] });
    const run = await startRun(env, plan, { indexed: false });

    // Hold the clock a little after wave 1 ends: wave 2 waits for the window, and says so.
    await env.sleep(sunday + 5 * HOUR - (await env.currentTimeMs()));
    const waiting = await run.handle.query('progress');
    const expected = new Date(sunday + nineUtc * HOUR).toISOString();
    expect(waiting).toMatchObject({ state: 'running', windowWait: { wave: 2, kind: 'window', until: expected } });
    const details = await run.handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(details.currentDetails).toContain(`wave 2 waiting for window until ${expected}`);

    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(progress.windowWait).toBeUndefined();
    expect(parisHour(Date.parse(progress.services.a!.startedAt!))).toBe(9);
    expect(progress.services.a!.steps[0]).toMatchObject({ state: 'succeeded' });
    const bStart = Date.parse(progress.services.b!.startedAt!);
    expect(bStart - (sunday + nineUtc * HOUR)).toBeGreaterThanOrEqual(0);
    expect(bStart - (sunday + nineUtc * HOUR)).toBeLessThan(60_000);
  });
});

describe('freezes', () => {
  const freezePlan = async (name: string) => {
    const now = await env.currentTimeMs();
    const freeze = { from: new Date(now - HOUR).toISOString(), to: new Date(now + 48 * HOUR).toISOString(), reason: 'year-end' };
    return { plan: twoWaves(name, 60_000, { freezes: [freeze], approvals: { approvers: ['ops-lead'] } }), endsAt: now + 48 * HOUR };
  };

  it('holds every new wave until the freeze ends, then the run resumes by itself', async () => {
    const { plan, endsAt } = await freezePlan('freeze-wait');
    const { outcome, progress } = await (await startRun(env, plan, { indexed: false })).finished();
    expect(outcome.state).toBe('succeeded');
    expect(Date.parse(progress.services.a!.startedAt!)).toBeGreaterThanOrEqual(endsAt);
    expect(progress.audit).toEqual([]);
  });

  it('an override needs an approver and a reason, lets the waves start, and is in the audit trail', async () => {
    const { plan, endsAt } = await freezePlan('freeze-override');
    const run = await startRun(env, plan, { indexed: false });
    const waiting = await run.handle.query('progress');
    expect(waiting).toMatchObject({ windowWait: { wave: 1, kind: 'freeze', reason: 'year-end' } });

    const refusal = (message: RegExp) => ({ cause: expect.objectContaining({ message: expect.stringMatching(message) }) });
    await expect(run.handle.executeUpdate(overrideFreezeUpdate, { args: [{ approver: 'intern', reason: 'hotfix' }] })).rejects.toMatchObject(refusal(/intern may not override a freeze/));
    await expect(run.handle.executeUpdate(overrideFreezeUpdate, { args: [{ approver: 'ops-lead', reason: '  ' }] })).rejects.toMatchObject(refusal(/reason/));
    expect(await run.handle.executeUpdate(overrideFreezeUpdate, { args: [{ approver: 'ops-lead', reason: 'CVE hotfix' }] })).toEqual({ accepted: true, freeze: 'year-end' });

    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(Date.parse(progress.services.b!.startedAt!)).toBeLessThan(endsAt);
    expect(progress.audit).toEqual([expect.objectContaining({ actor: 'ops-lead', action: 'override-freeze', via: 'update', target: 'freeze "year-end"', comment: 'CVE hotfix', accepted: true })]);
    // Nothing left to override once the run has passed the freeze.
    await expect(run.handle.executeUpdate(overrideFreezeUpdate, { args: [{ approver: 'ops-lead', reason: 'again' }] })).rejects.toThrow(/has ended|completed|not found/i);
  });
});
