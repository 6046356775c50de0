import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const PROBE_MS = 2_000;

type Probe = { ok: true } | { ok: false; code: string };

function probe(open: (done: (result: Probe) => void) => { destroy(): void; setTimeout(ms: number, cb: () => void): unknown }): Promise<Probe> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Probe) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = open(done);
    socket.setTimeout(PROBE_MS, () => done({ ok: false, code: 'ETIMEDOUT' }));
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: address, port: 7233 };
}

/** Whether a TCP connection to the address opens at all (no answer within 2 s: false). */
export async function tcpReachable(address: string): Promise<boolean> {
  const { host, port } = splitAddress(address);
  const tcp = await probe((done) => {
    const s = tcpConnect({ host, port }, () => done({ ok: true }));
    s.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? 'ERROR' }));
    return s;
  });
  return tcp.ok;
}

/**
 * Why a Temporal connection failed, in words an operator can act on: nothing listens, no route,
 * or something listens that is not Temporal — or speaks TLS when the connection does not (and
 * the other way round). Probes the address with a plain TCP connect and a TLS handshake.
 */
export async function diagnoseConnectFailure(address: string, usesTls: boolean): Promise<string> {
  const { host, port } = splitAddress(address);
  const tcp = await probe((done) => {
    const s = tcpConnect({ host, port }, () => done({ ok: true }));
    s.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? 'ERROR' }));
    return s;
  });
  if (!tcp.ok) {
    const why: Record<string, string> = {
      ECONNREFUSED: 'nothing listens there (connection refused)',
      ETIMEDOUT: `no answer within ${PROBE_MS / 1000} s (a firewall, or a wrong address?)`,
      ENOTFOUND: `the host name ${host} does not resolve`,
      EHOSTUNREACH: `no route to ${host}`,
      ENETUNREACH: `no route to ${host}`,
    };
    return why[tcp.code] ?? `cannot connect (${tcp.code})`;
  }
  const tls = await probe((done) => {
    const s = tlsConnect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2'], servername: /^[\d.:]+$/.test(host) ? undefined : host }, () => done({ ok: true }));
    s.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? 'ERROR' }));
    return s;
  });
  if (tls.ok && !usesTls) return 'the server speaks TLS but this connection does not use it: pass --tls-ca FILE (or set TEMPORAL_TLS=true)';
  if (!tls.ok && usesTls) return 'this connection uses TLS but the server does not speak it: drop the TLS settings (--tls-*, TEMPORAL_TLS*, an API key) or use the TLS address';
  if (tls.ok) return 'the TLS connection was not accepted (a certificate the server does not trust, or a server certificate not signed by --tls-ca?), or it is not a Temporal frontend';
  return 'something listens there but does not answer as a Temporal frontend (another service on that port, e.g. the Web UI?)';
}
