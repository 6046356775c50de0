import { ISSUE_CODES } from '../../plan';
import { HEADER, errorsOf, parse } from './plan-fixtures';

/** A plan with `n` anchored commands and `n` services each aliasing one of them (no amplification). */
function aliasPlan(n: number): string {
  const anchors = Array.from({ length: n }, (_, i) => `  c${i}: &c${i} [echo, ${i}]`).join('\n');
  const services = Array.from({ length: n }, (_, i) => `  s${i}: { steps: [{ name: x, run: *c${i} }] }`).join('\n');
  return `${HEADER}x-commands:\n${anchors}\nservices:\n${services}\n`;
}

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('YAML aliases', () => {
  // Checking that each alias has its anchor searched the whole document per alias: quadratic,
  // 26 s to minutes for plans below the alias cap. Four times the aliases may cost about four
  // times the time, never sixteen.
  it('are checked in time linear in their number', () => {
    const small = aliasPlan(400);
    const large = aliasPlan(1_600);
    timed(() => parse(small)); // warm up
    const smallMs = Math.min(timed(() => parse(small)), timed(() => parse(small)));
    const largeMs = timed(() => parse(large));
    expect(parse(large).ok).toBe(true);
    expect(largeMs / smallMs).toBeLessThan(9);
  }, 60_000);

  it('an alias before its anchor, or of no anchor, is still an error at its place', () => {
    const errors = errorsOf(`${HEADER}services:\n  a: { steps: [{ name: x, run: *later }] }\n  b: { steps: [{ name: x, run: &later [echo] }] }\n`);
    expect(errors).toEqual([expect.objectContaining({ code: ISSUE_CODES.yamlSyntax, line: 4, message: 'unknown anchor *later' })]);
  });
});
