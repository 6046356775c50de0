import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevServer } from '../../workers/dev-server';
import { approveUpdate, progressQuery } from '../../workflows/messages';
import type { RunProgress } from '../../workflows/progress';
import { startCluster, type TestCluster } from '../helpers/cluster';
import { logLines, logStep, planFrom, tempDir } from '../helpers/plans';
import { connectTarget, killServer, killSpawned, portOf, startServerProcessTracked } from '../helpers/processes';
import { waitFor } from '../helpers/wait-for';
import { startRun, type StartedRun } from '../helpers/runs';

// The embedded server as `maestro dev` runs it (SQLite file), killed with SIGKILL three times
// during one run: mid-step, right after an approval, and while a gate is open.
let server: DevServer;
let target: Awaited<ReturnType<typeof connectTarget>>;
let cluster: TestCluster;
let port: number;
let dbFile: string;
const serverPids: number[] = [];

async function crashAndRestart(): Promise<void> {
  await killServer(server);
  expect(server.process.signalCode).toBe('SIGKILL');
  server = await startServerProcessTracked({ port, dbFile });
  serverPids.push(server.process.pid!);
}

beforeAll(async () => {
  dbFile = join(tempDir('maestro-db-'), 'dev.sqlite');
  // On a port of its own choosing; every restart then comes back on the same port.
  server = await startServerProcessTracked({ dbFile });
  port = portOf(server.address);
  serverPids.push(server.process.pid!);
  target = await connectTarget(server.address);
  cluster = await startCluster(target);
}, 120_000);

afterAll(async () => {
  await cluster?.shutdown();
  await target?.close();
  await server?.stop();
  await killSpawned();
});

/** The progress query, retried while the server or the workers reconnect. */
async function progressWhen(run: StartedRun, what: string, predicate: (p: RunProgress) => boolean): Promise<RunProgress> {
  return waitFor(
    what,
    async () => {
      const progress = await run.handle.query(progressQuery).catch(() => undefined);
      return progress && predicate(progress) ? progress : undefined;
    },
    60_000,
    200,
  );
}

const gateState = (p: RunProgress, id: string) => p.gates.find((g) => g.id === id)?.state;

describe('the Temporal server killed with SIGKILL and restarted on the same SQLite file', () => {
  it('loses and repeats no step and no approval; an open gate is still open after the restart', async () => {
    const dir = tempDir();
    const log = join(dir, 'log');
    const started = join(dir, 'started');
    const release = join(dir, 'release');
    const slow = `echo "$MAESTRO_ATTEMPT" >> '${started}'; while [ ! -e '${release}' ]; do sleep 0.05; done; echo "$MAESTRO_SERVICE $MAESTRO_STEP $MAESTRO_PHASE $MAESTRO_NODE" >> '${log}'`;
    const step = (name: string) => ({ name, run: logStep(log), undo: logStep(log) });
    const plan = planFrom(
      JSON.stringify({
        apiVersion: 'maestro/v1',
        name: 'server-crash',
        defaults: { retry: { maxAttempts: 3, initialInterval: '100ms' } },
        approvals: { approvers: ['ops-lead', 'dba'], gates: [{ beforeWave: 2, timeout: '24h' }, { beforeWave: 3, timeout: '24h' }] },
        services: {
          db: { node: 'macpro51', steps: [step('backup'), { name: 'migrate', run: ['/bin/sh', '-c', slow] }] },
          api: { node: 'macbook-air', dependsOn: ['db'], steps: [step('deploy')] },
          web: { node: 'mac-studio', dependsOn: ['api'], steps: [step('deploy')] },
        },
      }),
    );
    const run = await startRun(target, plan);

    // 1. Mid-step: the command keeps running on its worker while the server is away.
    await waitFor('migrate to start', () => logLines(started).length > 0);
    await crashAndRestart();
    writeFileSync(release, '');
    await progressWhen(run, 'gate wave-2 to open', (p) => gateState(p, 'wave-2') === 'open');

    // 2. Right after an approval was accepted.
    const gate = await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'ops-lead', wave: 2, comment: 'before the crash' }] });
    expect(gate.state).toBe('approved');
    await crashAndRestart();

    // 3. While a gate is open: it is still open, and still waits for a person.
    await progressWhen(run, 'gate wave-3 to open', (p) => gateState(p, 'wave-3') === 'open');
    await crashAndRestart();
    const afterRestart = await progressWhen(run, 'the run to answer again', () => true);
    expect(afterRestart.state).toBe('awaiting-approval');
    expect(gateState(afterRestart, 'wave-3')).toBe('open');
    expect(afterRestart.services.web?.state).toBe('awaiting-approval');
    expect(logLines(log).some((l) => l.startsWith('web '))).toBe(false);

    await run.handle.executeUpdate(approveUpdate, { args: [{ approver: 'dba', wave: 3 }] });
    const { outcome, progress } = await run.finished();
    expect(outcome.state).toBe('succeeded');
    expect(new Set(serverPids).size).toBe(4);
    expect(logLines(log)).toEqual(['db backup do macpro51', 'db migrate do macpro51', 'api deploy do macbook-air', 'web deploy do mac-studio']);
    expect(logLines(started)).toEqual(['1']);
    expect(progress.audit.map((e) => `${e.actor} ${e.action} ${e.target} ${e.accepted}`)).toEqual(['ops-lead approve wave-2 true', 'dba approve wave-3 true']);
    expect(progress.gates.map((g) => [g.id, g.state, g.approvals.length])).toEqual([
      ['wave-2', 'approved', 1],
      ['wave-3', 'approved', 1],
    ]);
  }, 150_000);
});
