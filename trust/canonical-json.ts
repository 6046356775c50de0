/**
 * Canonical JSON (RFC 8785, JCS) for the values Maestro signs: object keys sorted by UTF-16 code
 * units, no whitespace, strings and numbers as ECMAScript serializes them (which is what JCS
 * specifies). `undefined` members are left out, as JSON.stringify does; values JSON cannot
 * represent (non-finite numbers, bigint) are refused rather than silently changed.
 *
 * Built on JSON.stringify with a key-sorting replacer: a hand-written serializer was ~45× slower
 * on a 1,000 × 5 plan (bench/RESULTS.md, "Signing cost").
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`canonical JSON: ${v} is not a JSON number`);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
