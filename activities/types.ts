import type { SignedService } from '../plan/signed-plan';
import type { CheckSpec, CommandSpec, EnvValue } from '../plan/types';
import type { RecordedCheck } from '../plan/upgrade';

/** Where a step runs, as the workflow knows it. Plain JSON: it travels in workflow history. */
export interface StepContext {
  /** Plan name (`MAESTRO_PLAN`). */
  plan: string;
  /** Run id (`MAESTRO_RUN_ID`). */
  runId: string;
  /** Service name (`MAESTRO_SERVICE`). */
  service: string;
  /** Step name (`MAESTRO_STEP`). */
  step: string;
  /** Whether this runs the step or its undo (`MAESTRO_PHASE`). */
  phase: 'do' | 'undo';
  /** Stable across retries of the same step in the same run (`MAESTRO_IDEMPOTENCY_KEY`). */
  idempotencyKey: string;
  /**
   * Every `fromEnv` variable of the run's plan: the worker redacts their values (where it has
   * them) from this step's output too. Absent in steps scheduled before it existed.
   */
  runSecretEnv?: string[];
}

export interface RunCommandInput {
  command: CommandSpec;
  /** Absolute working directory; must exist on the worker. */
  cwd: string;
  /** Added to the worker's environment; `fromEnv` values are read on the worker. */
  env: Record<string, EnvValue>;
  /** The process group is killed after this long (CommandTimedOut). */
  timeoutMs: number;
  context: StepContext;
  /**
   * The signed plan's service this step belongs to. A node with a trust file runs the command,
   * cwd, env and timeout from here and ignores the fields above.
   */
  signed?: SignedService;
}

export interface RunCommandResult {
  /** Always 0: any other exit is a CommandFailed failure. */
  exitCode: 0;
  durationMs: number;
  /** Last lines of stdout and stderr, interleaved as they arrived, secrets redacted. */
  outputTail: string;
  /** Last non-blank output line, secrets redacted. */
  lastLine?: string;
  /** Node whose worker ran the command. */
  node: string;
  /** Which attempt succeeded (1-based, `MAESTRO_ATTEMPT`). */
  attempt: number;
}

/** Heartbeat details of `runCommand`. */
export interface RunCommandHeartbeat {
  lastLine?: string;
}

/** `details[0]` of a CommandFailed failure. */
export interface CommandFailedDetails {
  /** The exit code, or null when the process was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  outputTail: string;
}

/** `details[0]` of a CommandTimedOut failure. */
export interface CommandTimedOutDetails {
  timeoutMs: number;
  outputTail: string;
}

export interface RunCheckInput {
  /** A check of a run started before checks carried a kind is a RecordedCheck (plan/upgrade.ts). */
  check: CheckSpec | RecordedCheck;
  context: StepContext;
  /** As for RunCommandInput: a node with a trust file probes the signed check, not `check`. */
  signed?: SignedService;
}

export interface CheckResult {
  /** Probes made, good and bad. */
  probes: number;
  /** From the start of the activity to the last good probe. */
  passedAfterMs: number;
  lastObservation: string;
  /** What the last metric query returned (at most 20 values). */
  values?: number[];
  /** Node whose worker ran the probes. */
  node: string;
  /** Which attempt passed (1-based). */
  attempt: number;
}

/** Heartbeat details of `runCheck`, and `details[0]` of a CheckFailed failure. */
export interface RunCheckHeartbeat {
  probes: number;
  lastObservation: string;
  /** A metric check's query as sent. */
  query?: string;
  /** What the last metric query returned (at most 20 values). */
  values?: number[];
}

export interface RunBackgroundCheckInput {
  check: CheckSpec;
  /** `context.step` is the background check's name. */
  context: StepContext;
  /** When the window ends (ISO, from the workflow's clock); absent: until the run cancels it. */
  endsAt?: string;
  /** As for RunCheckInput: a node with a trust file probes the signed background check. */
  signed?: SignedService;
}

/** Heartbeat details of `runBackgroundCheck`: enough for a retry (after a worker crash) to go on where it was. */
export interface BackgroundCheckHeartbeat {
  probes: number;
  /** Bad (or, under inconclusive: fail, inconclusive) probes in a row. */
  bad: number;
  /** Inconclusive probes in a row. */
  unsure: number;
  lastObservation: string;
  lastInconclusive: boolean;
  /** What the last metric query returned. */
  values?: number[];
}

/** A background check whose window elapsed without `failures` bad probes in a row. */
export interface BackgroundCheckResult {
  probes: number;
  lastObservation: string;
  values?: number[];
  node: string;
}
