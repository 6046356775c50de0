import { ApplicationFailure } from '@temporalio/activity';
import type { EnvValue } from '../plan/types';
import { FAILURE_TYPES } from './failure-types';

export const REDACTED = '***';

/**
 * Maestro's own secrets in a worker's environment: the payload key, the operator signing key,
 * Temporal credentials and TLS key paths. Commands never inherit them, and a plan cannot ask for
 * them with `fromEnv`. Everything else of the worker's environment is inherited (docs/plan-format.md).
 */
export const MAESTRO_SECRET_ENV = /^(MAESTRO_PAYLOAD_KEY|MAESTRO_KEY|TEMPORAL_API_KEY|TEMPORAL_CODEC_AUTH|TEMPORAL_GRPC_META_.*|TEMPORAL_TLS_(CLIENT_)?(KEY|CERT)(_PATH|_DATA)?)$/;

/** The worker's environment as commands inherit it: without Maestro's own secrets. */
export function inheritedEnv(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(source).filter(([name]) => !MAESTRO_SECRET_ENV.test(name)));
}

/**
 * The values of the run's `fromEnv` variables this worker has (`runSecretEnv`, every step of the
 * plan), for redaction only: a variable this step does not declare is not required here.
 */
export function runSecretValues(names: readonly string[] | undefined, source: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const name of names ?? []) {
    const value = MAESTRO_SECRET_ENV.test(name) ? undefined : source[name];
    if (value) values.push(value);
  }
  return values;
}

export interface ResolvedEnv {
  /** Every variable of the step, literal or resolved. */
  vars: Record<string, string>;
  /** The resolved `fromEnv` values: whatever must never leave the worker. */
  secrets: string[];
}

/**
 * Resolves a step's environment on the worker. All missing `fromEnv` variables are reported in
 * one non-retryable failure (by name only), because retrying on the same worker cannot set them.
 */
export function resolveEnv(spec: Record<string, EnvValue>, source: NodeJS.ProcessEnv, where: string): ResolvedEnv {
  const vars: Record<string, string> = {};
  const secrets: string[] = [];
  const missing: string[] = [];
  const missingNames: string[] = [];
  for (const [name, value] of Object.entries(spec)) {
    if (typeof value === 'string') {
      vars[name] = value;
      continue;
    }
    const resolved = MAESTRO_SECRET_ENV.test(value.fromEnv) ? undefined : source[value.fromEnv];
    if (resolved === undefined) {
      missing.push(value.fromEnv === name ? name : `${value.fromEnv} (for ${name})`);
      missingNames.push(value.fromEnv);
      continue;
    }
    vars[name] = resolved;
    secrets.push(resolved);
  }
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `${where}: environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not set on this worker`,
      FAILURE_TYPES.missingSecret,
      { missing: missingNames },
    );
  }
  return { vars, secrets };
}

export interface Redactor {
  /** Replaces every secret (every line of a multi-line one, its URL-encoded and base64 forms) with `***`. */
  redact(text: string): string;
  /** Length of the longest text `redact` looks for: how much context a stream cut must keep. */
  longest: number;
}

/**
 * Output is redacted line by line, so a multi-line secret (a PEM key) is also hunted line by
 * line. Besides the value itself, its usual disguises are hunted: URL-encoded (a password in a
 * connection string), base64 and base64url (a Basic auth header, a Kubernetes secret), with and
 * without padding. A secret cut into a longer base64 text at another offset is not recognised.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of disguises(secret)) needles.add(form);
    for (const line of secret.split(/\r?\n/)) if (line !== '') needles.add(line);
  }
  // Longest first, so a secret containing another is replaced whole.
  const sorted = [...needles].sort((a, b) => b.length - a.length);
  const longest = sorted[0]?.length ?? 0;
  if (sorted.length === 0) return { redact: (text) => text, longest };
  return {
    redact: (text) => sorted.reduce((acc, needle) => (acc.includes(needle) ? acc.split(needle).join(REDACTED) : acc), text),
    longest,
  };
}

function disguises(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  const forms = [secret, encodeURIComponent(secret), encodeURI(secret), base64, base64.replace(/=+$/, ''), bytes.toString('base64url')];
  // Short secrets' encodings would match ordinary text; the value itself is still hunted.
  return forms.filter((form, i) => i === 0 || form.length >= 8);
}
