import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ConnectionOverrides, ConnectionSettings } from '../../connection/settings';
import { parseDuration } from '../../plan/durations';
import { DEFAULT_SHUTDOWN_GRACE } from '../../workers/worker-options';
import { CliError, InvalidInputError } from '../errors';
import { loadTrust } from '../identity';
import { EXIT } from '../exit-codes';
import { envFileText, launchdLabel, launchdPlist, systemdUnit, type ServiceSpec } from '../install/service-files';
import { CLUSTER_FILE_NAME } from '../load-plan';
import { assertNodesDescribeThisMachine } from '../node-check';
import type { Output } from '../output';

export type ServicePlatform = 'systemd' | 'launchd';

export interface InstallOptions {
  output: Output;
  /** The resolved settings (address, namespace) — checked here, as the worker will read them. */
  connection: ConnectionSettings;
  /** The connection flags as given: certificate files are carried as paths, not contents. */
  flags: ConnectionOverrides;
  nodes: string[];
  orchestrator: boolean;
  /** `install` writes and enables; `uninstall` disables and removes. */
  action: 'install' | 'uninstall';
  /** Default: systemd on Linux, launchd on macOS. */
  platform?: ServicePlatform;
  /** Where the unit or plist goes. Default /etc/systemd/system or /Library/LaunchDaemons. */
  unitDir?: string;
  /** Where the environment file goes (systemd). Default /etc/maestro. */
  envDir?: string;
  /** The user the worker runs as. Default the user who ran sudo, else this user. */
  user?: string;
  /** Enable and start the service (systemctl / launchctl). Default true. */
  enable?: boolean;
  /** Cluster file the node workers check this machine's os/arch against (carried as MAESTRO_CLUSTER). Default MAESTRO_CLUSTER. */
  clusterFile?: string;
  /** The node workers' trust file (`--trust`, else MAESTRO_TRUST): carried as an absolute MAESTRO_TRUST. */
  trust?: string;
  /** Install node workers that run any step (`--insecure-unsigned`). */
  insecureUnsigned?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Variables a node worker reads, carried into the service's environment when set here. */
const CARRIED = [
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_API_KEY',
  'MAESTRO_TRUST', 'MAESTRO_PAYLOAD_KEY', 'MAESTRO_SHUTDOWN_GRACE', 'MAESTRO_NODE_SLOTS', 'MAESTRO_COMMAND_LAUNCHER', 'LOG_LEVEL'];

export function serviceName(nodes: string[], orchestrator: boolean): string {
  return ['maestro-worker', ...(orchestrator ? ['orchestrator'] : []), ...nodes].join('-');
}

/** The service spec: this installation's node and bin/maestro.js, absolute paths everywhere. */
export function serviceSpec(options: InstallOptions, platform: ServicePlatform): ServiceSpec {
  const env = options.env ?? process.env;
  const { connection: c, flags: f } = options;
  const abs = (file: string | undefined) => (file ? resolve(file) : undefined);
  const vars: Record<string, string | undefined> = {
    ...Object.fromEntries(CARRIED.map((k) => [k, env[k]])),
    TEMPORAL_TLS_CLIENT_CERT_PATH: abs(f.tlsCert ?? env.TEMPORAL_TLS_CLIENT_CERT_PATH ?? env.TEMPORAL_TLS_CERT),
    TEMPORAL_TLS_CLIENT_KEY_PATH: abs(f.tlsKey ?? env.TEMPORAL_TLS_CLIENT_KEY_PATH ?? env.TEMPORAL_TLS_KEY),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: abs(f.tlsCa ?? env.TEMPORAL_TLS_SERVER_CA_CERT_PATH ?? env.TEMPORAL_TLS_CA),
    TEMPORAL_API_KEY: c.apiKey,
    TEMPORAL_ADDRESS: c.address,
    TEMPORAL_NAMESPACE: c.namespace,
    // The service runs elsewhere (its working directory is the user's home): the cluster file goes by absolute path.
    MAESTRO_CLUSTER: abs(options.clusterFile ?? env.MAESTRO_CLUSTER ?? (existsSync(CLUSTER_FILE_NAME) ? CLUSTER_FILE_NAME : undefined)),
    MAESTRO_TRUST: abs(options.trust ?? env.MAESTRO_TRUST),
  };
  // As `maestro worker` itself would refuse: a node service without a trust file would never start.
  if (options.nodes.length && !vars.MAESTRO_TRUST && !options.insecureUnsigned) {
    throw new InvalidInputError(
      'a node worker needs a trust file: the service would not start',
      'Pass --trust FILE (OpenSSH allowed_signers, e.g. /etc/maestro/allowed_signers) or set MAESTRO_TRUST; --insecure-unsigned runs anything (test rigs only).',
    );
  }
  if (vars.MAESTRO_TRUST && options.insecureUnsigned) throw new InvalidInputError('give either --trust or --insecure-unsigned, not both');
  vars.MAESTRO_SHUTDOWN_GRACE ??= DEFAULT_SHUTDOWN_GRACE;
  const graceMs = parseDuration(vars.MAESTRO_SHUTDOWN_GRACE);
  if (graceMs === undefined) throw new InvalidInputError(`MAESTRO_SHUTDOWN_GRACE: malformed duration "${vars.MAESTRO_SHUTDOWN_GRACE}"`);
  for (const file of [vars.TEMPORAL_TLS_CLIENT_CERT_PATH, vars.TEMPORAL_TLS_CLIENT_KEY_PATH, vars.TEMPORAL_TLS_SERVER_CA_CERT_PATH, vars.MAESTRO_TRUST, vars.MAESTRO_CLUSTER]) {
    if (file && !existsSync(file)) throw new InvalidInputError(`${file}: no such file (the service would not start)`);
  }
  // A trust file that does not parse would stop the service at start: say so now (exit 2, naming the line).
  if (vars.MAESTRO_TRUST) loadTrust(vars.MAESTRO_TRUST);
  const name = serviceName(options.nodes, options.orchestrator);
  const user = options.user ?? env.SUDO_USER ?? userInfo().username;
  const flags = [...options.nodes.flatMap((n) => ['--node', n]), ...(options.orchestrator ? ['--orchestrator'] : []), ...(options.insecureUnsigned ? ['--insecure-unsigned'] : [])];
  const home = user === userInfo().username ? homedir() : platform === 'launchd' ? `/Users/${user}` : '/';
  return {
    name,
    description: [...(options.orchestrator ? ['orchestrator'] : []), ...options.nodes.map((n) => `node ${n}`)].join(', '),
    argv: [process.execPath, maestroBin(), 'worker', ...flags],
    documentation: `file://${resolve(dirname(maestroBin()), '..', 'README.md')}`,
    user,
    workingDirectory: home,
    env: Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')),
    envFile: join(options.envDir ?? '/etc/maestro', `${name}.env`),
    logFile: `/var/log/${name}.log`,
    stopTimeoutSeconds: Math.ceil(graceMs / 1000) + 30,
  };
}

function maestroBin(): string {
  // dist/client/commands → bin/maestro.js, or client/commands under ts-jest.
  for (const up of ['../../../bin/maestro.js', '../../bin/maestro.js']) {
    const bin = resolve(__dirname, up);
    if (existsSync(bin)) return bin;
  }
  throw new CliError('bin/maestro.js not found next to this installation', EXIT.runFailed);
}

/** `maestro worker --install` / `--uninstall`: this machine's workers as a systemd unit or a LaunchDaemon. */
export async function installCommand(options: InstallOptions): Promise<void> {
  const platform = options.platform ?? (process.platform === 'darwin' ? 'launchd' : process.platform === 'linux' ? 'systemd' : undefined);
  if (!platform) throw new InvalidInputError(`--install supports Linux (systemd) and macOS (launchd), not ${process.platform}`);
  if (options.nodes.length === 0 && !options.orchestrator) throw new InvalidInputError('nothing to install', 'Pass --node NAME (repeatable), --orchestrator, or both.');
  const spec = serviceSpec(options, platform);
  // A service that could only refuse to start is not installed.
  if (options.action === 'install') await assertNodesDescribeThisMachine(options.nodes, spec.env.MAESTRO_CLUSTER);
  const unitDir = options.unitDir ?? (platform === 'systemd' ? '/etc/systemd/system' : '/Library/LaunchDaemons');
  const unitFile = join(unitDir, platform === 'systemd' ? `${spec.name}.service` : `${launchdLabel(spec.name)}.plist`);
  const enable = options.enable ?? true;
  const out = (line: string) => options.output.out(line);
  try {
    if (options.action === 'uninstall') {
      if (enable) run(platform === 'systemd' ? ['systemctl', 'disable', '--now', spec.name] : ['launchctl', 'bootout', `system/${launchdLabel(spec.name)}`], true);
      for (const file of [unitFile, ...(platform === 'systemd' ? [spec.envFile] : [])]) {
        rmSync(file, { force: true });
        out(`removed ${file}`);
      }
      if (enable && platform === 'systemd') run(['systemctl', 'daemon-reload']);
      return;
    }
    mkdirSync(unitDir, { recursive: true });
    if (platform === 'systemd') {
      mkdirSync(dirname(spec.envFile), { recursive: true });
      writeFileSync(spec.envFile, envFileText(spec.env), { mode: 0o600 });
      chmodSync(spec.envFile, 0o600);
      writeFileSync(unitFile, systemdUnit(spec), { mode: 0o644 });
      out(`wrote ${spec.envFile} (0600: connection settings and secrets)`);
      out(`wrote ${unitFile}`);
      if (enable) {
        run(['systemctl', 'daemon-reload']);
        run(['systemctl', 'enable', '--now', spec.name]);
        out(`enabled and started ${spec.name}; logs: journalctl -u ${spec.name} -f`);
      } else out(`enable it with: systemctl daemon-reload && systemctl enable --now ${spec.name}`);
    } else {
      // The plist carries the environment (launchd has no env file): root-only, like the env file.
      writeFileSync(unitFile, launchdPlist(spec), { mode: 0o600 });
      chmodSync(unitFile, 0o600);
      out(`wrote ${unitFile} (0600: it holds the connection settings and secrets)`);
      if (enable) {
        run(['launchctl', 'bootstrap', 'system', unitFile]);
        out(`loaded ${launchdLabel(spec.name)}; logs: ${spec.logFile}`);
      } else out(`load it with: sudo launchctl bootstrap system ${unitFile}`);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM') {
      throw new CliError(`${e.path ?? 'a system directory'}: permission denied`, EXIT.refused, 'Run it with sudo (the service runs as --user, default the user who ran sudo).');
    }
    throw err;
  }
}

function run(argv: string[], tolerateFailure = false): void {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (tolerateFailure) return;
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new CliError(`${argv.join(' ')} failed: ${stderr || (err as Error).message}`, EXIT.runFailed);
  }
}
