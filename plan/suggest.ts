/** "Did you mean" hints by edit distance. */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate most likely meant by `input`, if any is close enough: a small edit distance
 * relative to the length, or one containing the other (`forge` → `mcp-forge`).
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const other = name.toLowerCase();
    const distance = editDistance(lower, other);
    // One-letter names are too short to guess from: only case differences count there.
    const limit = lower.length < 3 ? 0 : Math.max(1, Math.floor(Math.max(lower.length, other.length) / 3));
    const contains = lower.length >= 3 && (other.includes(lower) || lower.includes(other));
    if (distance > limit && !contains) continue;
    const score = contains && distance > limit ? limit + 0.5 : distance;
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}

/** `did you mean "x"?`, or the list of valid names when none is close. */
export function suggestion(input: string, candidates: readonly string[], noun: string): string {
  const match = closest(input, candidates);
  if (match !== undefined) return `did you mean "${match}"?`;
  if (candidates.length === 0) return `there are no ${noun}s`;
  const shown = candidates.slice(0, 12).join(', ');
  return `known ${noun}s: ${shown}${candidates.length > 12 ? ', …' : ''}`;
}
