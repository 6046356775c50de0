import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_FILES } from '../../client/certs';
import type { ProductionServerSettings } from '../../workers/production-server';
import { EXPIRED_ON, makeExpiredClientCert } from '../helpers/expired-cert';
import { FRONTEND_PORT, waitForRunState, type Cluster } from './cluster-fixture';
import type { ServerProcess } from './dev-server-in-netns';
import { expectEveryStepOnce, expectWaveOrder, waitForEvent, waitForHeartbeatTimeout } from './expectations';
import { startMigrationCluster, startRun as startMigrationRun, stopMigrationCluster, type MigrationCluster } from './migration-cluster';
import { APPROVER, GATE_WAVE, type MigrationPlan } from './migration-plan';
import { TEST_SUBNET } from './netns';
import { prepareNamespace, startPostgresIn, startProductionServerIn, temporalCliTls } from './production-server-in-netns';

/**
 * The production route across the namespaces: the real Temporal server (v1.32.2, built from the
 * Go module proxy) on PostgreSQL 15, mTLS on every connection with the certificates
 * `maestro certs` makes, each process presenting its own client certificate. The same migration
 * as on the dev server, a partition, a server restart on the same database, and clients without a
 * valid certificate refused.
 */

const SERVER_IP = `${TEST_SUBNET}.1`;
const ADDRESS = `${SERVER_IP}:${FRONTEND_PORT}`;
const SERVER_NAME = 'temporal';
let setUp: MigrationCluster | undefined;
let dir: string;
let certs: string;
let cluster: Cluster;
let server: ServerProcess;
let settings: ProductionServerSettings;
let plan: MigrationPlan;
const netnsOf = (node: string) => cluster.net.hosts[node]!.netns;
/** The connection flags of `name`'s certificate (operator for the CLI). */
const tlsFlags = (name: string) => ['--address', ADDRESS, '--tls-ca', join(certs, CERT_FILES.ca), '--tls-cert', join(certs, CERT_FILES.clientCert(name)), '--tls-key', join(certs, CERT_FILES.clientKey(name))];
const temporalTls = () => temporalCliTls(certs, 'operator', SERVER_NAME);

beforeAll(async () => {
  setUp = await startMigrationCluster({
    prefix: 'maestro-production-',
    address: ADDRESS,
    connectFlags: (host) => tlsFlags(host === 'cli' ? 'operator' : host),
    async startServer(c, d) {
      certs = join(d, 'certs');
      // The certificates as an operator makes them: `maestro certs`, for the server's name and address.
      const made = await c.execIn('cli', process.execPath, [join(__dirname, '..', '..', 'bin', 'maestro.js'), 'certs', '--dir', certs, '--host', SERVER_NAME, '--host', SERVER_IP]);
      expect({ code: made.code, err: made.err }).toEqual({ code: 0, err: made.code === 0 ? made.err : '' });
      const pgDir = join(d, 'postgres');
      mkdirSync(pgDir);
      const pg = await startPostgresIn(c, pgDir);
      settings = { postgres: pg.target, tlsDir: certs, ip: SERVER_IP, serverName: SERVER_NAME, configDir: join(d, 'server') };
      server = await startProductionServerIn(c, settings);
      await prepareNamespace(c, settings);
    },
  });
  ({ dir, cluster, plan } = setUp);
}, 300_000);

afterAll(() => stopMigrationCluster(setUp, 'production-cluster'));

beforeEach(() => plan?.clearControls());

const startRun = (runId: string, extra: string[] = []) => startMigrationRun(setUp!, runId, extra);

describe('the migration on the production server (PostgreSQL, mTLS)', () => {
  it('runs the 8 services over the three node namespaces through a partition mid-step, the gate approved from the CLI namespace', async () => {
    const runId = 'pm-partition';
    plan.holdStep('api.deploy', 30);
    await startRun(runId);
    await waitForEvent(plan, runId, 'api/deploy started', (e) => e.service === 'api' && e.step === 'deploy' && e.kind === 'start');
    cluster.net.partition('macpro51');
    try {
      await waitForHeartbeatTimeout(cluster, `${runId}/api`, temporalTls());
    } finally {
      cluster.net.heal('macpro51');
    }
    await waitForRunState(cluster, runId, ['awaiting-approval']);
    const approved = await cluster.maestro(['approve', runId, '--as', APPROVER, '--wave', String(GATE_WAVE)]);
    // (Node warns that a TLS server name may not be an IP address: the test has no DNS.)
    expect({ code: approved.code, error: /error/i.test(approved.err) }).toEqual({ code: 0, error: false });
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('succeeded');
    const events = plan.events(runId);
    expectEveryStepOnce(events, netnsOf, ['api.deploy']);
    expectWaveOrder(events);
  }, 180_000);

  it('loses nothing when the server is killed mid-run and restarted on the same database', async () => {
    const runId = 'pm-server-restart';
    plan.holdStep('search-index.reindex', 5);
    await startRun(runId, ['--auto-approve']);
    await waitForEvent(plan, runId, 'search-index/reindex started', (e) => e.service === 'search-index' && e.kind === 'start');
    await server.kill9();
    server = await startProductionServerIn(cluster, settings);
    expect(await waitForRunState(cluster, runId, ['succeeded', 'failed', 'rolled-back', 'rollback-incomplete'])).toBe('succeeded');
    const events = plan.events(runId);
    expectEveryStepOnce(events, netnsOf, ['search-index.reindex']);
    expectWaveOrder(events);
  }, 180_000);

  it('refuses a CLI and a worker without a valid client certificate at connect, saying so', async () => {
    const ca = ['--address', ADDRESS, '--tls-ca', join(certs, CERT_FILES.ca)];
    // No client certificate at all.
    const cli = await cluster.maestro(['status', 'pm-partition'], ca);
    expect(cli.code).toBe(4);
    expect(cli.err).toContain(`Temporal at ${ADDRESS} refused the TLS connection: the server requires a client certificate (mTLS) and this client presented none`);
    expect(cli.err).toContain('hint: Pass this machine\'s own pair from `maestro certs`');
    expect(cli.err).not.toMatch(/\n\s+at /);
    // A certificate of another CA (a reinstalled node that kept an old pair, say).
    const other = join(dir, 'other-certs');
    const made = await cluster.execIn('cli', process.execPath, [join(__dirname, '..', '..', 'bin', 'maestro.js'), 'certs', '--dir', other, '--client', 'macpro51']);
    expect(made.code).toBe(0);
    const foreign = await cluster.maestro(['status', 'pm-partition'], [...ca, '--tls-cert', join(other, CERT_FILES.clientCert('macpro51')), '--tls-key', join(other, CERT_FILES.clientKey('macpro51'))]);
    expect(foreign.code).toBe(4);
    expect(foreign.err).toContain('refused the TLS connection: the server refused this client\'s certificate: it is not signed by a CA the server trusts');
    // A node worker with no certificate exits instead of polling.
    const worker = cluster.spawnIn('macbook-air', process.execPath, [join(__dirname, '..', '..', 'bin', 'maestro.js'), 'worker', '--node', 'macbook-air', '--trust', cluster.trust.nodeTrust('macbook-air'), ...ca]);
    const exit = await worker.exited;
    expect(exit.code).toBe(4);
    expect(worker.stderr()).not.toContain('"msg":"workers polling"');
    expect(worker.stderr()).toContain(`Temporal at ${ADDRESS} refused the TLS connection: the server requires a client certificate (mTLS) and this client presented none`);
    expect(worker.stderr()).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('refuses a worker with an expired client certificate at connect, naming the certificate and when it expired', async () => {
    // Signed by the cluster's CA, valid 1–2 January 2024: only its dates are wrong.
    const expired = makeExpiredClientCert(certs, 'macpro51', join(dir, 'expired'));
    const worker = cluster.spawnIn('macpro51', process.execPath, [join(__dirname, '..', '..', 'bin', 'maestro.js'), 'worker', '--node', 'macpro51', '--trust', cluster.trust.nodeTrust('macpro51'), '--address', ADDRESS,
      '--tls-ca', join(certs, CERT_FILES.ca), '--tls-cert', expired.cert, '--tls-key', expired.key]);
    const exit = await worker.exited;
    expect(exit.code).toBe(4);
    const err = worker.stderr();
    expect(err).not.toContain('"msg":"workers polling"');
    expect(err).toContain(`Temporal at ${ADDRESS} refused the TLS connection: the server refused this client's certificate: certificate ${expired.cert}`);
    expect(err).toContain(`expired on ${EXPIRED_ON}`);
    expect(err).not.toMatch(/\n\s+at /);
  }, 120_000);
});
