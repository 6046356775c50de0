import { ApplicationFailure } from '@temporalio/activity';
import type { EnvValue } from '../plan/types';
import { FAILURE_TYPES } from './failure-types';

export const REDACTED = '***';

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
    const resolved = source[value.fromEnv];
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
  /** Replaces every secret (and every line of a multi-line secret) with `***`. */
  redact(text: string): string;
  /** Length of the longest text `redact` looks for: how much context a stream cut must keep. */
  longest: number;
}

/** Output is redacted line by line, so a multi-line secret (a PEM key) is also hunted line by line. */
export function createRedactor(secrets: readonly string[]): Redactor {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    needles.add(secret);
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
