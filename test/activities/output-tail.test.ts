import { OutputTail, type TailLimits } from '../../activities/output-tail';
import { createRedactor, resolveEnv } from '../../activities/secrets';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_TYPES } from '../../activities/failure-types';

const LIMITS: TailLimits = { maxLines: 5, maxBytes: 200, maxLineChars: 40 };

function tailOf(chunks: string[], secrets: string[] = [], limits: TailLimits = LIMITS): OutputTail {
  const tail = new OutputTail(limits, createRedactor(secrets));
  for (const chunk of chunks) tail.write('stdout', chunk);
  tail.end('stdout');
  return tail;
}

describe('OutputTail', () => {
  test('keeps the last lines within the line and byte bounds', () => {
    const tail = tailOf(['1\n2\n3\n', '4\n5\n6\n7\n8']);
    expect(tail.text()).toBe('4\n5\n6\n7\n8');
    expect(tail.lastLine()).toBe('8');

    const bytes = tailOf(['a'.repeat(30) + '\n', 'b'.repeat(30) + '\n', 'c'.repeat(30)], [], { ...LIMITS, maxBytes: 64 });
    expect(bytes.text()).toBe(`${'b'.repeat(30)}\n${'c'.repeat(30)}`);
  });

  test('keeps the end of an overlong line, however it arrives', () => {
    const chunks = Array.from({ length: 1000 }, (_, i) => `${i % 10}`.repeat(7));
    const tail = tailOf([...chunks, 'END\nnext\n']);
    const [long, next] = tail.text().split('\n');
    expect(long).toHaveLength(41);
    expect(long?.startsWith('…')).toBe(true);
    expect(long?.endsWith('9999999END')).toBe(true);
    expect(next).toBe('next');
  });

  test('separates streams, so interleaved partial lines do not mix', () => {
    const tail = new OutputTail(LIMITS, createRedactor([]));
    tail.write('stdout', 'out-');
    tail.write('stderr', 'err-');
    tail.write('stdout', 'line\n');
    tail.write('stderr', 'line\n');
    expect(tail.text()).toBe('out-line\nerr-line');
  });

  test('shows what a terminal shows for \\r progress bars', () => {
    expect(tailOf(['10%\r50%\r100%\r\ndone\r\n']).text()).toBe('100%\ndone');
  });

  test('redacts a secret split across chunks, even inside an overlong line', () => {
    const secret = 's3cr3t-value-0123456789';
    const text = `${'x'.repeat(100)}${secret}${'y'.repeat(5)}\nuser=${secret}\n`;
    for (let size = 1; size <= 30; size += 1) {
      const chunks = text.match(new RegExp(`[^]{1,${size}}`, 'g')) ?? [];
      const tail = tailOf(chunks, [secret]);
      expect(tail.text()).not.toContain('s3cr3t');
      expect(tail.lastLine()).toBe('user=***');
    }
  });

  test('redacts every line of a multi-line secret', () => {
    const key = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqh\n-----END KEY-----';
    const tail = tailOf([`key:\n${key}\nok\n`], [key], { ...LIMITS, maxLines: 10 });
    expect(tail.text()).toBe('key:\n***\n***\n***\nok');
  });
});

describe('resolveEnv', () => {
  test('keeps literals, resolves fromEnv and lists the resolved values as secrets', () => {
    expect(resolveEnv({ A: 'literal', B: { fromEnv: 'SRC' } }, { SRC: 'value' }, 'api/migrate')).toEqual({
      vars: { A: 'literal', B: 'value' },
      secrets: ['value'],
    });
  });

  test('names every missing variable at once', () => {
    let failure: unknown;
    try {
      resolveEnv({ A: { fromEnv: 'X' }, Y: { fromEnv: 'Y' } }, {}, 'api/migrate');
    } catch (error) {
      failure = error;
    }
    if (!(failure instanceof ApplicationFailure)) throw new Error('expected an ApplicationFailure');
    expect(failure).toMatchObject({ type: FAILURE_TYPES.missingSecret, nonRetryable: true, details: [{ missing: ['X', 'Y'] }] });
    expect(failure.message).toBe('api/migrate: environment variables X (for A), Y not set on this worker');
  });
});
