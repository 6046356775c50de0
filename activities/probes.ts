import { connect } from 'node:net';

/** What one probe saw: good or bad, and a sentence an operator can act on. */
export interface Probe {
  ok: boolean;
  observation: string;
  /** No answer within the probe's timeout. */
  timedOut?: boolean;
  /** Neither good nor bad: an empty result or a query error (metric checks). Never counts as good. */
  inconclusive?: boolean;
  /** What a metric query returned (at most 20 values). */
  values?: number[];
}

export interface HttpTarget {
  url: string;
  status: number;
  bodyIncludes?: string;
}

export interface TcpTarget {
  host: string;
  port: number;
}

/** A body is read this far, at most, looking for `bodyIncludes`. */
const MAX_BODY_BYTES = 1024 * 1024;

const ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

// Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` can be false.
function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

function isTimeout(error: unknown): boolean {
  const name = asErrorLike(error)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function describeError(error: unknown, timeoutMs: number): string {
  const outer = asErrorLike(error);
  if (isTimeout(error)) return `no answer within ${timeoutMs}ms`;
  // fetch wraps the socket error in `cause`.
  const cause = asErrorLike(outer?.cause) ?? outer;
  const words = typeof cause?.code === 'string' ? ERROR_WORDS[cause.code] : undefined;
  if (words !== undefined) return words;
  return typeof cause?.message === 'string' ? cause.message : String(error);
}

/** Parses `host:port` (`[::1]:5432` for IPv6); undefined when malformed. */
export function parseHostPort(target: string): TcpTarget | undefined {
  const colon = target.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = target.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = target.slice(colon + 1);
  const port = Number(portText);
  if (host === '' || !/^\d+$/.test(portText) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/**
 * A signal that aborts when `cancel` does or after `timeoutMs` (a TimeoutError), until `done()`.
 *
 * Not `AbortSignal.any([cancel, AbortSignal.timeout(timeoutMs)])`: in Node 20 a garbage
 * collection can drop the timeout signal such a combination follows, and a fetch given it then
 * waits for an answer forever. A check next to commands that ignore SIGTERM (the worker reading
 * /proc while it stops them) ran to Temporal's start-to-close timeout that way (issue 16). Here
 * the timer and the listener hold the controller.
 */
export function deadlineSignal(cancel: AbortSignal, timeoutMs: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(cancel.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs}ms`, 'TimeoutError')), timeoutMs);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
    },
  };
}

async function bodyIncludes(response: Response, needle: string): Promise<boolean> {
  if (!response.body) return needle === '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      // Only the end of what was read before can join the new chunk into a match.
      text = text.slice(-needle.length) + decoder.decode(value, { stream: true });
      if (text.includes(needle)) return true;
      if (read >= MAX_BODY_BYTES) return false;
    }
    return text.includes(needle);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * GET `url`; good when the status (redirects not followed: the endpoint itself answers) is the
 * expected one and, if asked, the body contains the text.
 */
export async function probeHttp(target: HttpTarget, timeoutMs: number, cancel: AbortSignal): Promise<Probe> {
  const label = `GET ${target.url}`;
  const deadline = deadlineSignal(cancel, timeoutMs);
  try {
    const response = await fetch(target.url, { signal: deadline.signal, redirect: 'manual' });
    if (response.status !== target.status) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, observation: `${label}: got ${response.status}, expected ${target.status}` };
    }
    if (target.bodyIncludes === undefined) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, observation: `${label}: ${response.status}` };
    }
    const quoted = JSON.stringify(target.bodyIncludes);
    return (await bodyIncludes(response, target.bodyIncludes))
      ? { ok: true, observation: `${label}: ${response.status}, body includes ${quoted}` }
      : { ok: false, observation: `${label}: ${response.status}, but the body does not include ${quoted}` };
  } catch (error) {
    return { ok: false, observation: `${label}: ${describeError(error, timeoutMs)}`, timedOut: isTimeout(error) };
  } finally {
    deadline.done();
  }
}

/** Opens a TCP connection and closes it; good when it connects. */
export function probeTcp(target: TcpTarget, timeoutMs: number, cancel: AbortSignal): Promise<Probe> {
  const label = `TCP ${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  if (cancel.aborted) return Promise.resolve({ ok: false, observation: `${label}: cancelled` });
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const finish = (probe: Probe): void => {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(probe);
    };
    const onAbort = (): void => finish({ ok: false, observation: `${label}: cancelled` });
    const timer = setTimeout(
      () => finish({ ok: false, observation: `${label}: no answer within ${timeoutMs}ms`, timedOut: true }),
      timeoutMs,
    );
    cancel.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, observation: `${label}: connected` }));
    socket.once('error', (error) => finish({ ok: false, observation: `${label}: ${describeError(error, timeoutMs)}` }));
  });
}
