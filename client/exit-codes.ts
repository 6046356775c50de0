/** Exit codes of the `maestro` CLI — part of its contract (README, DESIGN.md). */
export const EXIT = {
  ok: 0,
  /** The run failed, was rolled back, or ended rollback-incomplete; also a node down (`nodes`), an unexpected error. */
  runFailed: 1,
  /** Invalid input: a plan, a flag, an unknown run id. Nothing was started. */
  invalidInput: 2,
  /** Refused: a gate, decision or lock said no, or the run being steered has ended; the reason is printed. */
  refused: 3,
  /** The Temporal service could not be reached, or what answers at the address is not Temporal (or not over the same TLS); or no orchestrator worker answers for an open run. */
  unreachable: 4,
  /** The Temporal service answers but is not prepared for Maestro: an unknown namespace, or search attributes not registered (`maestro init`). */
  notPrepared: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
