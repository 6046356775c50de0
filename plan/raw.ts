/** Tolerant readers of plain YAML data, for checks that run even when the schema found mistakes. */
import type { NodeSpec } from './types';

export type RawMap = Record<string, unknown>;

export function asMap(value: unknown): RawMap | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as RawMap) : undefined;
}

export function asList(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

export function asStrings(value: unknown): string[] {
  return (asList(value) ?? []).filter((v): v is string => typeof v === 'string');
}

/** The nodes of a `nodes:` map, as far as they can be read. */
export function rawNodes(value: unknown): NodeSpec[] | undefined {
  const map = asMap(value);
  if (!map) return undefined;
  return Object.entries(map).map(([name, spec]) => {
    const node = asMap(spec) ?? {};
    return {
      name,
      os: typeof node.os === 'string' ? node.os : '',
      arch: typeof node.arch === 'string' ? node.arch : '',
      roles: asStrings(node.roles),
    };
  });
}
