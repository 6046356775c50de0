import { hostname } from 'node:os';
import { maestroVersion, parseWorkerIdentity, workerIdentity } from '../../workers/identity';

describe('worker identity', () => {
  it('names the host, pid, os/arch and Maestro version, and reads back', () => {
    const identity = workerIdentity('node:macpro51');
    expect(parseWorkerIdentity(identity)).toEqual({ role: 'node:macpro51', host: hostname(), pid: process.pid, os: process.platform, arch: process.arch, version: maestroVersion() });
    expect(maestroVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an identity of another shape (an older worker, the Temporal CLI) is not misread', () => {
    expect(parseWorkerIdentity('maestro-node-macpro51@1234')).toBeUndefined();
    expect(parseWorkerIdentity('12345@host')).toBeUndefined();
  });
});
