import type { Command } from 'commander';
import type { Output } from '../output';

/** What a command registrar gets: where to write, and how to run a command so its errors map to exit codes. */
export interface CliContext {
  output: Output;
  /** Runs a command function; its result or typed error becomes the process exit code. */
  execute(fn: () => Promise<number | void>): Promise<void>;
  /** The whole CLI, in this process (`maestro mcp` runs its tools through it). */
  runCli(argv: string[], output: Output): Promise<number>;
}

/** Declares the flags of a group of commands and wires them to their command functions. */
export type CommandRegistrar = (program: Command, ctx: CliContext) => void;
