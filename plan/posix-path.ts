/**
 * The few POSIX path operations plans need. plan/ runs inside workflows, where Node's `path`
 * is not available, and plans always describe POSIX machines.
 */

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/');
}

/** Collapses `.`, `..` and repeated slashes; keeps a leading `/`; never returns ''. */
export function normalizePath(p: string): string {
  const absolute = isAbsolutePath(p);
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (absolute) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** `p` if it is absolute, else `p` relative to `base`, normalized. */
export function resolvePath(base: string, p: string): string {
  return normalizePath(isAbsolutePath(p) ? p : `${base}/${p}`);
}

/** The folder part of a path (`/a/b.yaml` → `/a`, `b.yaml` → `.`). */
export function dirnamePath(p: string): string {
  const normalized = normalizePath(p);
  const slash = normalized.lastIndexOf('/');
  if (slash < 0) return '.';
  return slash === 0 ? '/' : normalized.slice(0, slash);
}
