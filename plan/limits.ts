/**
 * Maestro's limits on what a plan may say, each below a limit of Temporal, Node or the host that
 * would otherwise stop a run part-way (docs/limits.md has the table and where each comes from).
 * `planSchema` enforces them with located errors, so nothing that validates can wedge a run.
 */

const DAY_MS = 86_400_000;

export const LIMITS = {
  /**
   * Plan, service and node names (run ids default to the plan name). Ids built from them —
   * `<run>/<service>/undo`, `<run>/<service>/<step>/undo` — stay far below Temporal's 1,000-char
   * id limit (`limit.maxIDLength`).
   */
  nameChars: 100,
  /** Step names: part of activity ids (`undo:<step>@<node>`) and idempotency keys. */
  stepNameChars: 100,
  /** A run id given with `--id`. */
  runIdChars: 200,
  /**
   * A command's own timeout, and a check's timeout and interval: Node timers hold at most
   * 2³¹−1 ms (24.8 days); a longer one fires at once and kills the command.
   */
  commandTimeoutMs: 24 * DAY_MS,
  /**
   * Any other duration (gate timeout, wait, node timeout, retry interval): a workflow timer must
   * end at a date JavaScript can represent, and a run past a year is a mistake.
   */
  durationMs: 365 * DAY_MS,
  /** Attempts of a step: Temporal keeps them in an int32; more than 100 is a loop, not a retry. */
  maxAttempts: 100,
  /** Growth of the retry interval per attempt. */
  backoff: 100,
  /** Services in flight: Temporal allows 2,000 pending children per run. */
  maxParallel: 1_000,
  /** Services in a plan: the parent's history holds ~4 events per service (51,200 at most). */
  services: 5_000,
  /** Steps of one service. */
  stepsPerService: 200,
  /** One argument, env value or shell command: Linux's MAX_ARG_STRLEN. */
  argumentChars: 131_072,
  /** Probes a check needs in a row. */
  probes: 1_000,
  /** Approvers and gates listed in a plan; approvals a gate needs. */
  listEntries: 100,
  /**
   * The normalized plan as JSON, and gzipped as the run's input: the workers decode at most
   * 16 MiB per message (connection/compression-codec.ts) and Temporal stores at most 2 MiB per
   * payload; the rest is room for the run's other inputs and encryption.
   */
  planJsonBytes: 8 * 1024 * 1024,
  planEncodedBytes: 1536 * 1024,
} as const;

/**
 * Step names: any printable text without `/` (the separator of workflow ids and idempotency
 * keys: a step `x/undo` would share the key of `x`'s undo) or `@` (the separator of activity
 * ids), without control or format characters (NUL, newlines, right-to-left overrides), and not
 * blank or padded with spaces.
 */
export const STEP_NAME_PATTERN = /^(?!\s)(?!.*\s$)[^/@\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

/** Run ids: the characters of names (no `/`, so a run id cannot pose as another run's child id). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why `id` cannot be a run id, or undefined when it can. */
export function runIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'a run id cannot be empty';
  if (id.length > LIMITS.runIdChars) return `a run id has at most ${LIMITS.runIdChars} characters, this one ${id.length}`;
  if (!RUN_ID_PATTERN.test(id)) return `run id ${JSON.stringify(id.slice(0, 60))} may use letters, digits, ".", "_" and "-", starting with a letter or digit`;
  return undefined;
}
