import { inWindow, nextOpening, parseWindow, windowDecision, zoneOffsetMs, type DeployWindow } from '../../plan/windows';

const window = (text: string): DeployWindow => {
  const parsed = parseWindow(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.window;
};
const utc = (iso: string) => Date.parse(iso);

describe('deploy windows (pure)', () => {
  it('parses days, ranges and lists, and refuses what it cannot read', () => {
    expect(window('Mon-Fri 09:00-16:00 Europe/Paris')).toMatchObject({ days: [1, 2, 3, 4, 5], startMinute: 540, endMinute: 960, zone: 'Europe/Paris' });
    expect(window('Fri-Mon 22:00-24:00 UTC').days).toEqual([0, 1, 5, 6]);
    expect(window('Sat,Sun 10:00-12:00 UTC').days).toEqual([0, 6]);
    expect(parseWindow('Mon-Fri 9-16 Europe/Paris')).toMatchObject({ ok: false, message: expect.stringMatching(/malformed window/) });
    expect(parseWindow('Mon-Fry 09:00-16:00 UTC')).toMatchObject({ ok: false, message: expect.stringMatching(/malformed days "Mon-Fry"/) });
    expect(parseWindow('Mon 09:00-16:00 Europe/Pariss')).toMatchObject({ ok: false, message: expect.stringMatching(/unknown time zone "Europe\/Pariss"/) });
    expect(parseWindow('Mon 16:00-09:00 UTC')).toMatchObject({ ok: false, hint: expect.stringMatching(/split it in two/) });
  });

  it('follows the zone across daylight-saving changes', () => {
    expect(zoneOffsetMs('Europe/Paris', utc('2027-01-15T12:00:00Z'))).toBe(3_600_000);
    expect(zoneOffsetMs('Europe/Paris', utc('2027-07-15T12:00:00Z'))).toBe(7_200_000);
    const w = window('Mon-Fri 09:00-16:00 Europe/Paris');
    // Friday 26 March 2027 is still winter (09:00 Paris = 08:00 UTC); Monday 29 March is summer (07:00 UTC).
    expect(inWindow(utc('2027-03-26T08:00:00Z'), w)).toBe(true);
    expect(inWindow(utc('2027-03-26T07:59:00Z'), w)).toBe(false);
    expect(nextOpening(utc('2027-03-26T15:00:00Z'), w)).toBe(utc('2027-03-29T07:00:00Z'));
    expect(nextOpening(utc('2027-10-29T15:00:00Z'), w)).toBe(utc('2027-11-01T08:00:00Z'));
  });

  it('a freeze holds until its end unless overridden; outside every window, until the next opening', () => {
    const w = window('Mon-Fri 09:00-16:00 UTC');
    const freeze = { fromMs: utc('2027-12-20T00:00:00Z'), toMs: utc('2028-01-03T00:00:00Z'), reason: 'year-end' };
    expect(windowDecision(utc('2027-12-22T10:00:00Z'), [w], [freeze])).toEqual({ open: false, kind: 'freeze', untilMs: freeze.toMs, freeze, index: 0 });
    expect(windowDecision(utc('2027-12-22T10:00:00Z'), [w], [freeze], new Set([0]))).toEqual({ open: true });
    expect(windowDecision(utc('2027-12-25T10:00:00Z'), [w], [freeze], new Set([0]))).toEqual({ open: false, kind: 'window', untilMs: utc('2027-12-27T09:00:00Z') });
    expect(windowDecision(utc('2027-12-25T10:00:00Z'), [], [])).toEqual({ open: true });
  });
});
