import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';

/** Runs `maestro <args>` in process against the server at `address`; resolves with its exit code and output. */
export async function maestro(address: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const output = memoryOutput();
  const code = await runCli([...args, '--address', address], output);
  return { code, out: output.stdout.join('\n'), err: output.stderr.join('\n') };
}
