import { ServiceError } from '@temporalio/client';
import { noAnswer } from '../../client/run/progress';

// An open run whose orchestrator just stopped: the progress query waits until the client's 5 s
// deadline. Most times the call ends with DEADLINE_EXCEEDED; under load the server, whose context
// carries that deadline, sometimes ended it first with CANCELLED ("Call cancelled"), and `status`
// printed a stack trace with exit 1 instead of exit 4 (seen 2 in 18 concurrent calls on the dev
// server; test/cli/run-reading.test.ts "an open run whose orchestrator just stopped").
// gRPC status codes, as @grpc/grpc-js numbers them.
const status = { CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;
/** What @grpc/grpc-js rejects a call with: an Error with a code, details and metadata. */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code}: ${details}`), { code, details, metadata: {} });
const asTheClientThrowsIt = (code: number, details: string) => new ServiceError('Failed to query Workflow', { cause: grpcError(code, details) });

describe('a query that got no answer', () => {
  it.each([
    ['the client’s deadline', status.DEADLINE_EXCEEDED, 'Deadline exceeded'],
    ['the server ending the call at that deadline', status.CANCELLED, 'Call cancelled'],
  ])('is %s', (_, code, details) => {
    expect(noAnswer(asTheClientThrowsIt(code, details))).toBe(true);
  });

  it.each([
    ['an unknown run', status.NOT_FOUND, 'workflow not found'],
    ['a server that cannot be reached', status.UNAVAILABLE, 'No connection established'],
    ['a query the workflow failed', status.INVALID_ARGUMENT, 'unknown queryType'],
  ])('is not %s', (_, code, details) => {
    expect(noAnswer(asTheClientThrowsIt(code, details))).toBe(false);
  });
});
