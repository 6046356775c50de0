import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CancelledFailure } from '@temporalio/common';
import { FAILURE_TYPES, type RunCheckHeartbeat, type RunCheckInput } from '../../activities';
import type { RecordedCheck } from '../../plan/upgrade';
import { context, failureOf, harness } from '../fixtures/activity-harness';

const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function closer(server: Server | ReturnType<typeof createTcpServer>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    });
}

/**
 * An HTTP server on 127.0.0.1 answering each request with the next status of `statuses` (the last
 * one repeats); status 0 never answers.
 */
async function httpServer(
  statuses: number[],
  body = 'ok',
  onRequest?: RequestListener,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createHttpServer((req, res) => {
    requests += 1;
    if (onRequest) return onRequest(req, res);
    const status = statuses[Math.min(requests, statuses.length) - 1] ?? 200;
    if (status === 0) return;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: closer(server) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`, requests: () => requests };
}

/** A port on 127.0.0.1 that was just free: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closer(server)();
  return port;
}

/**
 * One target: today's shape, its kind set. Anything else (no target, both): the shape runs started
 * before checks had a kind still send (RecordedCheck), which must be refused as it always was.
 */
function check(target: { http?: string; tcp?: string }, extra: Partial<RecordedCheck> = {}, options: { recorded?: boolean } = {}): RunCheckInput {
  const only = target.http !== undefined && target.tcp === undefined ? 'http' : target.tcp !== undefined && target.http === undefined ? 'tcp' : undefined;
  const kind = options.recorded || !only ? {} : { kind: only };
  return {
    check: { ...kind, ...target, status: 200, successes: 1, failures: 3, intervalMs: 10, timeoutMs: 20_000, ...extra } as RecordedCheck,
    context: { ...context, step: 'health' },
  };
}

describe('runCheck over HTTP', () => {
  test('passes after `successes` consecutive good probes, heartbeating each', async () => {
    const server = await httpServer([503, 503, 200]);
    const { env, runCheck } = harness();
    const beats: RunCheckHeartbeat[] = [];
    env.on('heartbeat', (details: RunCheckHeartbeat) => beats.push(details));
    const result = await runCheck(check({ http: server.url }, { successes: 3, failures: 5 }));
    expect(result).toMatchObject({ probes: 5, lastObservation: `GET ${server.url}: 200`, node: 'macpro51', attempt: 1 });
    expect(result.passedAfterMs).toBeGreaterThanOrEqual(0);
    // A slow machine may add between-probe heartbeats; each probe is reported at least once.
    expect([...new Set(beats.map((beat) => beat.probes))]).toEqual([1, 2, 3, 4, 5]);
    expect(beats.find((beat) => beat.probes === 1)?.lastObservation).toBe(`GET ${server.url}: got 503, expected 200`);
  });

  test('keeps heartbeating through a long interval, so cancellation still arrives', async () => {
    const server = await httpServer([503]);
    const { env, runCheck } = harness({ heartbeatIntervalMs: 20 });
    let beatsAfterFirstProbe = 0;
    env.on('heartbeat', (details: RunCheckHeartbeat) => {
      if (details.probes === 1 && ++beatsAfterFirstProbe === 3) env.cancel();
    });
    const error: unknown = await runCheck(check({ http: server.url }, { failures: 10, intervalMs: 10 * 60_000 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(server.requests()).toBe(1);
  });

  test('fails after `failures` consecutive bad probes, with the last observation', async () => {
    const server = await httpServer([503]);
    const { runCheck } = harness();
    const failure = await failureOf(runCheck(check({ http: server.url }, { failures: 3 })));
    expect(failure).toMatchObject({ type: FAILURE_TYPES.checkFailed, details: [{ probes: 3 }] });
    expect(failure.message).toContain(`api/health: GET ${server.url}: got 503, expected 200`);
    expect(server.requests()).toBe(3);
  });

  test('counts failures only in a row', async () => {
    const server = await httpServer([503, 200, 503, 503]);
    const { runCheck } = harness();
    const failure = await failureOf(runCheck(check({ http: server.url }, { successes: 2, failures: 2 })));
    expect(failure.details).toEqual([{ probes: 4, lastObservation: `GET ${server.url}: got 503, expected 200` }]);
  });

  test('checks for a body substring', async () => {
    const server = await httpServer([200], '{"status":"ready"}');
    const { runCheck } = harness();
    const passed = await runCheck(check({ http: server.url }, { bodyIncludes: '"ready"' }));
    expect(passed.lastObservation).toBe(`GET ${server.url}: 200, body includes "\\"ready\\""`);

    const failure = await failureOf(runCheck(check({ http: server.url }, { bodyIncludes: 'migrated', failures: 2 })));
    expect(failure.message).toContain(`GET ${server.url}: 200, but the body does not include "migrated"`);
  });

  test('reports a refused connection', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/health`;
    const { runCheck } = harness();
    const failure = await failureOf(runCheck(check({ http: url }, { failures: 2 })));
    expect(failure.message).toContain(`GET ${url}: connection refused`);
  });

  test('gives up when its timeout elapses', async () => {
    const server = await httpServer([503]);
    const { runCheck } = harness();
    const failure = await failureOf(runCheck(check({ http: server.url }, { failures: 1_000, timeoutMs: 300 })));
    expect(failure.type).toBe(FAILURE_TYPES.checkFailed);
    expect(failure.message).toMatch(/not healthy within 300ms \(\d+ probes?\); last: GET .*: got 503, expected 200/);
  });

  test('reports a probe that gets no answer within the probe timeout', async () => {
    const server = await httpServer([0]);
    const { runCheck } = harness({ probeTimeoutMs: 50 });
    const failure = await failureOf(runCheck(check({ http: server.url }, { failures: 2 })));
    expect(failure.message).toBe(`api/health: GET ${server.url}: no answer within 50ms (2 bad probes in a row)`);
  });

  // Issue 16: next to commands that ignore SIGTERM (the worker reading /proc while it kills them),
  // a check ran to Temporal's start-to-close timeout. Node 20 drops the timeout of
  // AbortSignal.any([cancel, AbortSignal.timeout()]) when it collects garbage, and the fetch hung.
  test('a probe that gets no answer still times out when garbage is collected meanwhile', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collecting = setInterval(gc, 20);
    try {
      const server = await httpServer([0]);
      const { runCheck } = harness({ probeTimeoutMs: 200 });
      const failure = await failureOf(runCheck(check({ http: server.url }, { failures: 2, timeoutMs: 5_000 })));
      expect(failure.message).toBe(`api/health: GET ${server.url}: no answer within 200ms (2 bad probes in a row)`);
    } finally {
      clearInterval(collecting);
    }
  }, 10_000);

  test('a probe cut short by the deadline does not hide what the previous probe saw', async () => {
    const server = await httpServer([503, 0]);
    const { runCheck } = harness();
    const failure = await failureOf(runCheck(check({ http: server.url }, { failures: 10, timeoutMs: 300 })));
    expect(failure.message).toBe(`api/health: not healthy within 300ms (1 probe); last: GET ${server.url}: got 503, expected 200`);
    expect(server.requests()).toBe(2);
  });

  test('stops probing as soon as it is cancelled between probes', async () => {
    const server = await httpServer([503]);
    const { env, runCheck } = harness();
    env.on('heartbeat', (details: RunCheckHeartbeat) => {
      if (details.probes === 2) env.cancel();
    });
    const error: unknown = await runCheck(check({ http: server.url }, { failures: 1_000, intervalMs: 50 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(server.requests()).toBe(2);
  });

  test('abandons a hanging probe when cancelled', async () => {
    const { env, runCheck } = harness({ probeTimeoutMs: 10 * 60_000 });
    // Never answers: only cancellation can end the probe within the test's timeout.
    const server = await httpServer([200], 'ok', () => env.cancel());
    const error: unknown = await runCheck(check({ http: server.url })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
  }, 10_000);
});

describe('runCheck over TCP', () => {
  test('passes against a listening port', async () => {
    const server = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: closer(server) });
    const { port } = server.address() as AddressInfo;
    const { runCheck } = harness();
    const result = await runCheck(check({ tcp: `127.0.0.1:${port}` }, { successes: 2 }));
    expect(result).toMatchObject({ probes: 2, lastObservation: `TCP 127.0.0.1:${port}: connected` });
  });

  test('fails against a closed port', async () => {
    const port = await closedPort();
    const { runCheck } = harness();
    const failure = await failureOf(runCheck(check({ tcp: `127.0.0.1:${port}` }, { failures: 2 })));
    expect(failure).toMatchObject({ type: FAILURE_TYPES.checkFailed, details: [{ probes: 2 }] });
    expect(failure.message).toContain(`TCP 127.0.0.1:${port}: connection refused`);
  });
});

describe('runCheck input', () => {
  test('a check without exactly one target, or with a bad one, is invalid and not retried', async () => {
    const { runCheck } = harness();
    for (const target of [{}, { http: 'http://127.0.0.1:1/', tcp: '127.0.0.1:1' }, { tcp: 'no-port' }, { http: 'ftp://x/' }]) {
      const failure = await failureOf(runCheck(check(target)));
      expect(failure).toMatchObject({ type: FAILURE_TYPES.invalidStep, nonRetryable: true });
    }
  });

  test('a check of a run started before checks had a kind (no kind field) still runs', async () => {
    const server = await httpServer([200]);
    const { runCheck } = harness();
    const result = await runCheck(check({ http: server.url }, {}, { recorded: true }));
    expect(result).toMatchObject({ probes: 1, lastObservation: `GET ${server.url}: 200` });
  });

  test('a kind this worker does not know is invalid, naming the kinds it knows', async () => {
    const { runCheck } = harness();
    const input = check({ http: 'http://127.0.0.1:1/' });
    const failure = await failureOf(runCheck({ ...input, check: { ...input.check, kind: 'grpc' } as unknown as RunCheckInput['check'] }));
    expect(failure).toMatchObject({ type: FAILURE_TYPES.invalidStep, nonRetryable: true });
    expect(failure.message).toContain('unknown check kind "grpc" (this worker knows http, tcp, prometheus)');
  });
});
