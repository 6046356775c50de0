import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionConfigError, connectionOptions, connectionSettings } from '../../connection/settings';

// Each case names its config file, so the machine's own ~/.config/temporalio/temporal.toml never leaks in.
let dir: string;
let configFile: string;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-conn-'));
  configFile = join(dir, 'temporal.toml');
  writeFileSync(join(dir, 'ca.pem'), PEM);
  writeFileSync(
    configFile,
    [
      '[profile.default]',
      'address = "default-host:7233"',
      '',
      '[profile.prod]',
      'address = "prod.example:7233"',
      'namespace = "deploys"',
      'api_key = "profile-key"',
      '[profile.prod.grpc_meta]',
      'x-team = "ops"',
      '',
      '[profile.lab]',
      'address = "lab:7233"',
      '[profile.lab.tls]',
      `server_ca_cert_path = "${join(dir, 'ca.pem')}"`,
      'server_name = "lab.internal"',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noFile = { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' };

describe('connection settings: flags, then TEMPORAL_* variables, then the temporal.toml profile', () => {
  it('defaults to localhost:7233, namespace default, no TLS', () => {
    expect(connectionSettings({}, noFile)).toEqual({ address: 'localhost:7233', namespace: 'default' });
  });

  it('reads the default profile, and a named one through TEMPORAL_PROFILE or --profile', () => {
    expect(connectionSettings({}, { TEMPORAL_CONFIG_FILE: configFile }).address).toBe('default-host:7233');
    const prod = connectionSettings({}, { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod' });
    expect(prod).toMatchObject({ address: 'prod.example:7233', namespace: 'deploys', apiKey: 'profile-key', tls: true, grpcMeta: { 'x-team': 'ops' }, profile: 'prod' });
    expect(connectionOptions(prod)).toMatchObject({ tls: {}, apiKey: 'profile-key', metadata: { 'x-team': 'ops' } });
    const lab = connectionSettings({ profile: 'lab', configFile }, {});
    expect(lab.tls).toMatchObject({ serverNameOverride: 'lab.internal' });
    expect(Buffer.from((lab.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate).toString()).toBe(PEM);
  });

  it('lets variables win over the profile, and flags over both', () => {
    const env = { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'from-env', TEMPORAL_TLS: 'false' };
    const fromEnv = connectionSettings({}, env);
    expect(fromEnv).toMatchObject({ address: 'prod.example:7233', namespace: 'from-env', tls: false });
    expect(connectionOptions(fromEnv).tls).toBeUndefined();
    expect(connectionSettings({ namespace: 'flag', address: 'flag:1' }, env)).toMatchObject({ address: 'flag:1', namespace: 'flag' });
  });

  it('still reads Maestro\'s earlier TEMPORAL_TLS_CA / _CERT / _KEY names', () => {
    const s = connectionSettings({}, { ...noFile, TEMPORAL_TLS_CA: join(dir, 'ca.pem') });
    expect(Buffer.from((s.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate).toString()).toBe(PEM);
  });

  it.each([
    [{ TEMPORAL_TLS: 'yes' }, /TEMPORAL_TLS="yes" is not one of true, false, 1, 0/],
    [{ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'on' }, /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION="on"/],
    [{ TEMPORAL_PROFILE: 'staging' }, /Profile 'staging' not found/],
    [{ TEMPORAL_TLS_CA: '/a.pem', TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/b.pem' }, /disagree/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' }, /needs its key/],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }, /TLS file not found: \/nonexistent\/ca.pem/],
  ])('refuses %j instead of ignoring it', (env, message) => {
    const run = () => connectionSettings({}, { TEMPORAL_CONFIG_FILE: configFile, ...env });
    expect(run).toThrow(ConnectionConfigError);
    expect(run).toThrow(message);
  });

  it('refuses a config file with an unknown key or broken TOML, naming the file', () => {
    const typo = join(dir, 'typo.toml');
    writeFileSync(typo, '[profile.default]\nadress = "x:1"\n');
    expect(() => connectionSettings({ configFile: typo }, {})).toThrow(new RegExp(`${typo}.*unrecognized in profile.default: adress`));
    writeFileSync(typo, '[profile.default\n');
    expect(() => connectionSettings({ configFile: typo }, {})).toThrow(new RegExp(typo));
    expect(() => connectionSettings({ configFile: join(dir, 'missing.toml') }, {})).toThrow(/missing.toml: no such file/);
    expect(() => connectionSettings({}, { TEMPORAL_CONFIG_FILE: join(dir, 'gone.toml') })).toThrow(/gone.toml: no such file/);
  });
});
