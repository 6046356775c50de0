import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProgram } from '../../client/main';
import { memoryOutput } from '../../client/output';
import { clusterNodes } from '../../client/load-plan';
import { tempDir } from '../helpers/plans';

// The README's "Running on a real cluster" guide: every `maestro …` command line in it is one
// the CLI accepts (command, flags and arguments parsed, nothing run), and what it points at exists.
const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('## Running on a real cluster');
const guide = readme.slice(start, readme.indexOf('\n## ', start + 1));

/** The fenced blocks of a language in the guide. */
const blocks = (lang: string) => [...guide.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

/** Words of a shell line as the shell would split them: quotes kept together, comments dropped. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(#.*$)|([^\s"'#]+))/gy;
  let m: RegExpExecArray | null;
  let current: string | undefined;
  let last = 0;
  while ((m = re.exec(line)) !== null && m[0] !== '') {
    if (m[3] !== undefined) break;
    const piece = m[1] ?? m[2] ?? m[4] ?? '';
    // A piece glued to the previous one (`a"b"`) continues the same word.
    const glued = current !== undefined && m.index === last && !/^\s/.test(m[0]);
    if (glued) current += piece;
    else {
      if (current !== undefined) words.push(current);
      current = piece;
    }
    last = re.lastIndex;
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** Each `maestro` invocation of the guide's shell blocks, with `sudo` and `VAR=value` prefixes removed. */
const invocations = blocks('sh')
  .flatMap((b) => b.split('\n'))
  .map(shellWords)
  .map((words) => words.slice(Math.max(0, words.findIndex((w) => w !== 'sudo' && !/^[A-Z_]+=/.test(w)))))
  .filter((words) => words[0] === 'maestro')
  .map((words) => words.slice(1));

describe('README: Running on a real cluster', () => {
  it('has the steps of a three-machine cluster', () => {
    for (const step of ['Build the package', 'Install it on every machine', 'The server', 'trust file', 'The cluster file', 'Node workers as services', 'Paths and secrets', 'First run']) expect(guide).toContain(step);
    expect(invocations.map((argv) => argv[0])).toEqual(expect.arrayContaining(['--version', 'server', 'init', 'worker', 'nodes', 'run']));
  });

  it.each(invocations.map((argv) => [argv.join(' '), argv]))('`maestro %s` parses (nothing runs)', async (_, argv) => {
    const output = memoryOutput();
    let reached = 0;
    const program = createProgram({
      output,
      execute: async () => {
        reached += 1;
      },
      runCli: async () => 0,
    });
    await program.parseAsync(argv as string[], { from: 'user' }).catch((err: { code?: string }) => {
      // --version prints and stops, like --help: accepted.
      if (err.code !== 'commander.version') throw new Error(`${(argv as string[]).join(' ')}: ${String(err)}\n${output.stderr.join('\n')}`);
      reached += 1;
    });
    expect(reached).toBe(1);
  });

  it('shows a cluster file Maestro accepts, and names files that exist', async () => {
    const [clusterYaml] = blocks('yaml');
    const file = join(tempDir('maestro-guide-'), 'cluster.yaml');
    writeFileSync(file, clusterYaml!);
    expect((await clusterNodes(file)).map((n) => `${n.name} ${n.os}/${n.arch}`)).toEqual(['mac-studio darwin/arm64', 'macbook-air darwin/arm64', 'macpro51 linux/x64']);
    for (const file of ['docs/production.md', 'examples/supabase-to-neon.yaml', 'bin/production-server.js', 'docker-compose.yml']) expect(existsSync(join(ROOT, file))).toBe(true);
  });
});
