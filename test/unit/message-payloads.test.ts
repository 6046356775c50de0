import { abortPayload, approvePayload, decidePayload, parsePayload, pausePayload, rejectPayload } from '../../plan/messages';

const refused = (result: ReturnType<typeof parsePayload>) => {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`);
  return result.reason;
};

describe('message payloads', () => {
  it('accepts a full approval and trims the approver', () => {
    expect(parsePayload(approvePayload, { approver: '  alice ', wave: 2, service: 'api', comment: 'ok' })).toEqual({
      ok: true,
      value: { approver: 'alice', wave: 2, service: 'api', comment: 'ok' },
    });
  });

  it.each([
    [{ approver: '' }, 'approver: is required'],
    [{ approver: '   ' }, 'approver: is required'],
    [{}, 'approver: is required'],
    [{ approver: 42 }, 'approver: expected a string, got 42'],
    [{ approver: 'a'.repeat(201) }, 'approver: at most 200 characters, got 201'],
    [{ approver: 'alice', wave: 0 }, 'wave: expected a positive integer, got 0'],
    [{ approver: 'alice', wave: 1.5 }, 'wave: expected a positive integer, got 1.5'],
    [{ approver: 'alice', wave: '2' }, 'wave: expected a positive integer, got "2"'],
    [{ approver: 'alice', service: '' }, 'service: is required'],
    [{ approver: 'alice', sneaky: true }, 'sneaky: unknown field (expected approver, wave, service, comment, signature, signedAt)'],
  ])('refuses approval %j: %s', (payload, problem) => {
    expect(refused(parsePayload(approvePayload, payload))).toBe(`malformed payload: ${problem}`);
  });

  it('lists every problem of a payload at once', () => {
    expect(refused(parsePayload(rejectPayload, { approver: '', wave: -1, extra: 1 }))).toBe(
      'malformed payload: extra: unknown field (expected approver, wave, service, reason, signature, signedAt); approver: is required; wave: expected a positive integer, got -1; reason: is required',
    );
  });

  it.each([null, 'approve', [], 7, undefined])('refuses a payload that is not an object: %j', (payload) => {
    expect(refused(parsePayload(approvePayload, payload))).toMatch(/^malformed payload: expected an object, got /);
  });

  it('requires a decision among retry, skip, rollback, abort', () => {
    expect(parsePayload(decidePayload, { action: 'skip', approver: 'bob' })).toEqual({ ok: true, value: { action: 'skip', approver: 'bob' } });
    expect(refused(parsePayload(decidePayload, { action: 'yolo', approver: 'bob' }))).toBe('malformed payload: action: expected one of retry, skip, rollback, abort, got "yolo"');
  });

  it('defaults an abort to rolling back, and checks the flag when given', () => {
    expect(parsePayload(abortPayload, {})).toEqual({ ok: true, value: { rollback: true } });
    expect(parsePayload(abortPayload, { rollback: false, by: 'carol' })).toEqual({ ok: true, value: { rollback: false, by: 'carol' } });
    expect(refused(parsePayload(abortPayload, { rollback: 'no' }))).toBe('malformed payload: rollback: expected true or false, got "no"');
  });

  it('lets pause and resume come without a payload, but not with a wrong one', () => {
    expect(parsePayload(pausePayload, undefined)).toEqual({ ok: true, value: undefined });
    expect(parsePayload(pausePayload, { by: 'dave' })).toEqual({ ok: true, value: { by: 'dave' } });
    expect(refused(parsePayload(pausePayload, { by: 3 }))).toBe('malformed payload: by: expected a string, got 3');
  });
});
