import { dirnamePath, formatDuration, formatIssue, normalizePath, parseDuration, resolvePath } from '../../plan';
import { closest, editDistance, suggestion } from '../../plan/suggest';

describe('durations', () => {
  test.each([
    ['500ms', 500],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h', 93_600_000],
    ['1m30s250ms', 90_250],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', '5', 's', '5 m', '5min', '-1s', '30m1h', '5m5m', '1h 30m', '1.s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test.each([
    [0, '0ms'],
    [500, '500ms'],
    [2_500, '2.5s'],
    [90_000, '1m 30s'],
    [5_400_000, '1h 30m'],
    [86_400_000, '24h'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('posix paths', () => {
  test.each([
    ['/a/b/../c/./d//e', '/a/c/d/e'],
    ['a/../..', '..'],
    ['/..', '/'],
    ['./', '.'],
    ['a/b/', 'a/b'],
  ])('normalize %s → %s', (input, output) => expect(normalizePath(input)).toBe(output));

  test('resolve and dirname', () => {
    expect(resolvePath('/srv/plans', '../app')).toBe('/srv/app');
    expect(resolvePath('/srv/plans', '/opt')).toBe('/opt');
    expect(dirnamePath('/srv/plans/p.yaml')).toBe('/srv/plans');
    expect(dirnamePath('/p.yaml')).toBe('/');
    expect(dirnamePath('p.yaml')).toBe('.');
  });
});

describe('suggestions', () => {
  test('edit distance', () => {
    expect(editDistance('dependOn', 'dependsOn')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  test('closest name', () => {
    expect(closest('dependOn', ['node', 'dependsOn', 'steps'])).toBe('dependsOn');
    expect(closest('forge', ['mcp-forge', 'devmaestro'])).toBe('mcp-forge');
    expect(closest('x', ['b', 'c'])).toBeUndefined();
    expect(closest('completely-different', ['api', 'web'])).toBeUndefined();
  });

  test('hint text', () => {
    expect(suggestion('stepz', ['steps'], 'key')).toBe('did you mean "steps"?');
    expect(suggestion('zzz', ['api', 'web'], 'service')).toBe('known services: api, web');
    expect(suggestion('zzz', [], 'node')).toBe('there are no nodes');
  });
});

test('formatIssue', () => {
  const issue = { file: 'p.yaml', line: 3, col: 5, path: 'services.a', message: 'oops', code: 'invalid-value' as const };
  expect(formatIssue(issue)).toBe('p.yaml:3:5  services.a: oops');
  expect(formatIssue({ ...issue, hint: 'fix it', path: '' })).toBe('p.yaml:3:5  oops (hint: fix it)');
});
