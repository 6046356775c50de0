import type { Logger } from 'pino';
import { sharedLauncher } from './launcher';
import type { TailLimits } from './output-tail';
import type { Spawner } from './spawn';
import type { StepTrust } from './step-guard';

/** What the step activities need from the worker that hosts them. */
export interface ActivityDeps {
  /** Root logger; each activity logs through a child carrying plan, run, service, step and node. */
  logger: Logger;
  /** Where `fromEnv` variables are read. Default `process.env`. Commands always inherit `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Name of the node this worker serves: `MAESTRO_NODE`, and `node` in results. */
  nodeName: string;
  /** What this node may run: steps of plans signed by keys of its trust file, or (insecure) anything. */
  trust: StepTrust;
  /** Between SIGTERM and SIGKILL when a command's process group is stopped. Default 5000 ms. */
  killGraceMs?: number;
  /** A running command or check heartbeats at least this often, news or not. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /** Output lines trigger a heartbeat at most this often. Default 250 ms. */
  heartbeatThrottleMs?: number;
  /** Output tail bounds. Default 40 lines, 4096 bytes, lines cut to their last 1024 characters. */
  tail?: Partial<TailLimits>;
  /** Longest wait for one check probe (capped by what is left of the check's timeout). Default 5000 ms. */
  probeTimeoutMs?: number;
  /** How commands are started. Default: through this process's command launcher (launcher.ts). */
  spawn?: Spawner;
}

export type ResolvedDeps = Required<Omit<ActivityDeps, 'tail'>> & { tail: TailLimits };

export const DEFAULT_TAIL: TailLimits = { maxLines: 40, maxBytes: 4096, maxLineChars: 1024 };

export function resolveDeps(deps: ActivityDeps): ResolvedDeps {
  return {
    logger: deps.logger,
    env: deps.env ?? process.env,
    nodeName: deps.nodeName,
    trust: deps.trust,
    killGraceMs: deps.killGraceMs ?? 5_000,
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 1_000,
    heartbeatThrottleMs: deps.heartbeatThrottleMs ?? 250,
    tail: { ...DEFAULT_TAIL, ...deps.tail },
    probeTimeoutMs: deps.probeTimeoutMs ?? 5_000,
    spawn: deps.spawn ?? sharedLauncher().spawn,
  };
}
