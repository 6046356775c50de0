/**
 * Canonical JSON (RFC 8785, JCS) for the values Maestro signs: object keys sorted by UTF-16 code
 * units, no whitespace, strings and numbers as ECMAScript serializes them (which is what JCS
 * specifies). `undefined` members are left out, as JSON.stringify does; values JSON cannot
 * represent (non-finite numbers, functions, bigint) are refused rather than silently changed.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonical JSON: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  throw new Error(`canonical JSON: cannot represent a ${typeof value}`);
}
