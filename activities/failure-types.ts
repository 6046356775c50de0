/**
 * `ApplicationFailure.type` of every failure the step activities raise.
 *
 * Workflows import these values (e.g. for `nonRetryableErrorTypes` or to tell a failed command
 * from a failed check), so this file is plain constants: no imports, nothing with I/O.
 */
export const FAILURE_TYPES = {
  /** The command exited non-zero (or was killed by a signal). Retryable. */
  commandFailed: 'CommandFailed',
  /** The executable or the working directory does not exist, or is not executable. Non-retryable. */
  commandNotFound: 'CommandNotFound',
  /** A `fromEnv` variable is not set on the worker. Non-retryable. */
  missingSecret: 'MissingSecret',
  /** The command ran past its timeout; its process group was killed. Retryable. */
  commandTimedOut: 'CommandTimedOut',
  /** A check saw `failures` consecutive bad probes, or did not pass within its timeout. Retryable. */
  checkFailed: 'CheckFailed',
  /**
   * A metric check that could not tell (empty result, query error): still inconclusive at its timeout,
   * or (`inconclusive: pause`) `failures` inconclusive probes in a row. Retryable, except under pause.
   */
  checkInconclusive: 'CheckInconclusive',
  /** A webhook answered 4xx (other than 408 and 429), or its URL's variable is not set: retrying cannot help. Non-retryable. */
  notificationRefused: 'NotificationRefused',
  /** The step itself is malformed (empty argv, bad `host:port`, no target). Non-retryable. */
  invalidStep: 'InvalidStep',
  /**
   * The node refused the step: not signed, signed by a key its trust file does not allow
   * maestro-plan, tampered, expired, or signed for another run. Nothing ran. Non-retryable.
   */
  untrustedStep: 'UntrustedStep',
} as const;

export type FailureType = (typeof FAILURE_TYPES)[keyof typeof FAILURE_TYPES];
