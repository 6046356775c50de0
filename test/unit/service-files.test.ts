import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const relative_ = (file: string) => relative(process.cwd(), file);
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { launchdPlist, systemdUnit, type ServiceSpec } from '../../client/install/service-files';
import { tempDir } from '../helpers/plans';

// The files `maestro worker --install` writes, checked by the tools that read them: systemd's
// own verifier and Python's plistlib. Nothing is enabled on this machine (--no-enable, temp dirs).

const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'maestro-worker-macpro51',
  description: 'node macpro51',
  argv: [process.execPath, join(__dirname, '..', '..', 'bin', 'maestro.js'), 'worker', '--node', 'macpro51'],
  user: 'root',
  workingDirectory: '/',
  env: { TEMPORAL_ADDRESS: '10.0.0.5:7233', MAESTRO_PAYLOAD_KEY: 'a"b$c\\d&<e>' },
  envFile: '/etc/maestro/maestro-worker-macpro51.env',
  logFile: '/var/log/maestro-worker-macpro51.log',
  documentation: 'file:///opt/maestro/README.md',
  stopTimeoutSeconds: 330,
  ...over,
});

/** `systemd-analyze verify` of a unit file: its exit status and complaints. */
function verifyUnit(text: string, envFile: string): { ok: boolean; output: string } {
  const dir = tempDir('maestro-unit-');
  writeFileSync(envFile, 'TEMPORAL_ADDRESS=x\n');
  const file = join(dir, 'maestro-worker-test.service');
  writeFileSync(file, text);
  const r = spawnSync('systemd-analyze', ['verify', '--man=false', file], { encoding: 'utf8' });
  return { ok: r.status === 0 && !/maestro-worker-test\.service:/.test(r.stderr), output: r.stderr + r.stdout };
}

function parsePlist(text: string): Record<string, unknown> {
  const py = 'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))';
  return JSON.parse(execFileSync('python3', ['-c', py], { input: text, encoding: 'utf8' })) as Record<string, unknown>;
}

describe('systemd unit', () => {
  it('passes systemd-analyze verify', () => {
    const dir = tempDir('maestro-env-');
    const r = verifyUnit(systemdUnit(spec({ envFile: join(dir, 'w.env') })), join(dir, 'w.env'));
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });

  it('the verifier is not a rubber stamp: a missing executable fails it', () => {
    const dir = tempDir('maestro-env-');
    const r = verifyUnit(systemdUnit(spec({ envFile: join(dir, 'w.env'), argv: ['/nonexistent/node', 'worker'] })), join(dir, 'w.env'));
    expect(r.ok).toBe(false);
  });

  it('stops with SIGTERM to the worker only and waits its grace before killing', () => {
    const unit = systemdUnit(spec());
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^TimeoutStopSec=330$/m);
    expect(unit).toMatch(/^Restart=always$/m);
  });
});

describe('LaunchDaemon plist', () => {
  it('parses as a property list with the worker, its user and its environment', () => {
    const plist = parsePlist(launchdPlist(spec()));
    expect(plist).toMatchObject({
      Label: 'dev.cluster-maestro.maestro-worker-macpro51',
      ProgramArguments: spec().argv,
      UserName: 'root',
      EnvironmentVariables: { TEMPORAL_ADDRESS: '10.0.0.5:7233', MAESTRO_PAYLOAD_KEY: 'a"b$c\\d&<e>' },
      RunAtLoad: true,
      KeepAlive: true,
      ExitTimeOut: 330,
    });
  });
});

describe('maestro worker --install / --uninstall', () => {
  const cli = async (...args: string[]) => {
    const output = memoryOutput();
    const code = await runCli(args, output);
    return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
  };

  it('writes a verified unit and a 0600 env file with the connection, and removes both', async () => {
    const units = tempDir('maestro-units-');
    const envs = tempDir('maestro-envs-');
    const flags = ['--node', 'macpro51', '--unit-dir', units, '--env-dir', envs, '--no-enable', '--address', '10.0.0.5:7233', '--namespace', 'ops'];
    const r = await cli('worker', '--install', ...flags);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const unitFile = join(units, 'maestro-worker-macpro51.service');
    const envFile = join(envs, 'maestro-worker-macpro51.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readFileSync(envFile, 'utf8');
    expect(env).toContain('TEMPORAL_ADDRESS="10.0.0.5:7233"');
    expect(env).toContain('TEMPORAL_NAMESPACE="ops"');
    expect(env).toContain('MAESTRO_SHUTDOWN_GRACE="5m"');
    const unit = readFileSync(unitFile, 'utf8');
    expect(unit).toContain(`EnvironmentFile=${envFile}`);
    expect(unit).toMatch(/^ExecStart=\/\S+ \/\S+\/bin\/maestro\.js worker --node macpro51$/m);
    expect(verifyUnit(unit, envFile).output).toBe('');

    const gone = await cli('worker', '--uninstall', ...flags);
    expect(gone.code).toBe(0);
    expect(existsSync(unitFile) || existsSync(envFile)).toBe(false);
  });

  it('a certificate file that does not exist is refused before anything is written (exit 2)', async () => {
    const units = tempDir('maestro-units-');
    const r = await cli('worker', '--install', '--node', 'n1', '--unit-dir', units, '--env-dir', units, '--no-enable', '--tls-ca', '/nonexistent/ca.pem');
    expect(r.code).toBe(2);
    expect(r.err).toContain('/nonexistent/ca.pem');
    expect(existsSync(join(units, 'maestro-worker-n1.service'))).toBe(false);
  });

  describe('the trust file', () => {
    // The jest setup exports the test identity's MAESTRO_TRUST; these cases say where it comes from.
    const saved = process.env.MAESTRO_TRUST;
    beforeEach(() => delete process.env.MAESTRO_TRUST);
    afterEach(() => (process.env.MAESTRO_TRUST = saved));

    it('--trust is carried into the env file as an absolute MAESTRO_TRUST', async () => {
      const units = tempDir('maestro-units-');
      const relative = relative_(saved!);
      const r = await cli('worker', '--install', '--node', 'macpro51', '--trust', relative, '--unit-dir', units, '--env-dir', units, '--no-enable', '--address', '10.0.0.5:7233');
      expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
      expect(readFileSync(join(units, 'maestro-worker-macpro51.env'), 'utf8')).toContain(`MAESTRO_TRUST="${saved}"`);
    });

    it('a node service without a trust file is refused before anything is written (exit 2); --insecure-unsigned is on its command line', async () => {
      const units = tempDir('maestro-units-');
      const r = await cli('worker', '--install', '--node', 'n1', '--unit-dir', units, '--env-dir', units, '--no-enable');
      expect(r.code).toBe(2);
      expect(r.err).toContain('a node worker needs a trust file: the service would not start');
      expect(existsSync(join(units, 'maestro-worker-n1.service'))).toBe(false);
      const insecure = await cli('worker', '--install', '--node', 'n1', '--insecure-unsigned', '--unit-dir', units, '--env-dir', units, '--no-enable');
      expect(insecure.code).toBe(0);
      expect(readFileSync(join(units, 'maestro-worker-n1.service'), 'utf8')).toMatch(/^ExecStart=.* worker --node n1 --insecure-unsigned$/m);
      // The orchestrator alone runs no command and needs none.
      expect((await cli('worker', '--install', '--orchestrator', '--unit-dir', units, '--env-dir', units, '--no-enable')).code).toBe(0);
    });

    it('a trust file that does not parse is refused, naming the line (exit 2)', async () => {
      const units = tempDir('maestro-units-');
      const bad = join(units, 'allowed_signers');
      writeFileSync(bad, 'ops-lead namespaces="maestro-plan" ssh-ed25519 not-base64!\n');
      const r = await cli('worker', '--install', '--node', 'n1', '--trust', bad, '--unit-dir', units, '--env-dir', units, '--no-enable');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${bad}:1`);
      expect(existsSync(join(units, 'maestro-worker-n1.service'))).toBe(false);
    });
  });
});
