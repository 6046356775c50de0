import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { EXIT } from '../../client/exit-codes';
import { tempDir } from '../helpers/plans';

// Bad input the probe gave the CLI: each is exit 2 with a one-line reason, before connecting
// (the address is closed: reaching for the server would be exit 4), and never a stack trace.
const CLOSED = '127.0.0.1:1';

async function maestro(...args: string[]): Promise<{ code: number; err: string }> {
  const output = memoryOutput();
  const code = await runCli(args, output);
  return { code, err: output.stderr.join('\n') };
}

const plan = join(tempDir(), 'plan.yaml');
writeFileSync(plan, 'apiVersion: maestro/v1\nname: victim\nservices:\n  a: { steps: [{ name: s, wait: 1s }] }\n');

describe('bad input to the CLI', () => {
  it.each([
    ['run --id ""', ['run', plan, '--id', '', '--address', CLOSED], /--id: a run id cannot be empty/],
    ['run --id victim/a (the id of another run\'s child)', ['run', plan, '--id', 'victim/a', '--address', CLOSED], /--id: run id "victim\/a" may use letters/],
    ['run --id of 1,500 characters', ['run', plan, '--id', 'x'.repeat(1500), '--address', CLOSED], /at most 200 characters/],
    ['status ""', ['status', '', '--address', CLOSED], /the run id is empty/],
    ['status of a 1,500-character id', ['status', 'x'.repeat(1500), '--address', CLOSED], /Temporal ids have at most 1000/],
    ['pause of a control-character id', ['pause', 'a\u0000b', '--address', CLOSED], /control characters/],
    ['report --since 99999999d', ['report', '--since', '99999999d', '--address', CLOSED], /--since: at most 3650d/],
  ])('%s', async (_, args, message) => {
    const { code, err } = await maestro(...args);
    expect({ code, err }).toEqual({ code: EXIT.invalidInput, err: expect.stringMatching(message) });
    expect(err).not.toMatch(/\n\s+at /);
  });
});
