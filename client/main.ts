import { Command, CommanderError } from 'commander';
import { lookupIdArgument } from './cli/flags';
import { PayloadKeyError } from '../connection/codec';
import { CliError } from './errors';
import { EXIT } from './exit-codes';
import { processOutput, type Output } from './output';
import type { CliContext, CommandRegistrar } from './cli/context';
import { registrars } from './cli/registrars';
import { maestroVersion } from '../workers/identity';

/**
 * The `maestro` command tree wired to `ctx`: `runCli` runs it; a context whose `execute` does
 * nothing parses a command line without running it (the README guide's test does).
 */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('maestro')
    .description('Durable multi-wave deployments and migrations across a cluster, on Temporal')
    .version(maestroVersion(), '-V, --version', 'print the Maestro version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.output.out(s), writeErr: (s) => ctx.output.err(s) });
  for (const register of registrars as CommandRegistrar[]) register(program, ctx);
  // Every command taking a run id checks it before connecting: a bad one is exit 2, not a stack trace.
  program.hook('preAction', (_, command) => {
    if (command.registeredArguments[0]?.name() === 'id' && typeof command.processedArgs[0] === 'string') lookupIdArgument(command.processedArgs[0]);
  });
  return program;
}

/** Runs the CLI in-process and resolves to the exit code (tests call this directly). */
export async function runCli(argv: string[], output: Output = processOutput): Promise<number> {
  let exitCode: number = EXIT.ok;
  const ctx: CliContext = {
    output,
    async execute(fn) {
      try {
        const code = await fn();
        exitCode = code ?? EXIT.ok;
      } catch (err) {
        exitCode = reportError(err, output);
      }
    },
    runCli,
  };
  const program = createProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; any other parse error is invalid input.
      return err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    }
    return reportError(err, output);
  }
  return exitCode;
}

function reportError(err: unknown, output: Output): number {
  if (err instanceof CliError) {
    output.err(`error: ${err.message}`);
    if (err.hint) output.err(`hint: ${err.hint}`);
    return err.exitCode;
  }
  // A payload this process cannot open (no key, another key): the operator's setting, exit 2.
  if (err instanceof PayloadKeyError || (err as { cause?: unknown } | undefined)?.cause instanceof PayloadKeyError) {
    const keyError = err instanceof PayloadKeyError ? err : ((err as { cause: PayloadKeyError }).cause);
    output.err(`error: ${keyError.message}`);
    output.err('hint: set MAESTRO_PAYLOAD_KEY to the key the run was started with');
    return EXIT.invalidInput;
  }
  // Anything else was not expected: its message and its causes', the stack only when asked for.
  output.err(`error: ${unexpectedMessage(err)}`);
  const stack = (err as { stack?: unknown } | undefined)?.stack;
  if (debugWanted()) output.err(typeof stack === 'string' ? stack : String(err));
  else output.err(`hint: this error was not expected; run again with ${DEBUG_ENV}=1 to see its stack trace`);
  return EXIT.runFailed;
}

/** Environment variable that, set to anything but empty, `0` or `false`, makes an unexpected error print its stack trace. */
export const DEBUG_ENV = 'MAESTRO_DEBUG';

function debugWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[DEBUG_ENV]?.trim().toLowerCase();
  return !!value && value !== '0' && value !== 'false';
}

/** `message (cause: message …)`, each line of it without a stack frame. */
export function unexpectedMessage(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== undefined && e !== null && !seen.has(e) && parts.length < 5; e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    // Duck-typed: an error made in another realm (a vm context, jest's sandbox) is no `instanceof Error` here.
    const { name, message } = (typeof e === 'object' ? e : {}) as { name?: unknown; message?: unknown };
    if (typeof message !== 'string') parts.push(String(e));
    else parts.push(`${typeof name === 'string' && name !== 'Error' && !message.startsWith(name) ? `${name}: ` : ''}${message}`);
  }
  return parts.join(' (cause: ') + ')'.repeat(parts.length - 1);
}
