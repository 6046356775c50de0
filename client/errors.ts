import { EXIT, type ExitCode } from './exit-codes';

/** An error the CLI reports as a message and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** What the operator can do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.invalidInput, hint);
  }
}

export class RefusedError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.refused, hint);
  }
}

export class UnreachableError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.unreachable, hint);
  }
}

export class RunFailedError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.runFailed, hint);
  }
}

export class NotPreparedError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.notPrepared, hint);
  }
}
