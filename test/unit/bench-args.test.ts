import { parseBenchArgs } from '../../bench/args';

describe('bench flags', () => {
  it('runs signed unless --unsigned asks to price signing', () => {
    expect(parseBenchArgs(['--quick']).signed).toBe(true);
    expect(parseBenchArgs(['--quick', '--unsigned']).signed).toBe(false);
  });
});
