/** zod issues → plan issues with plain-language messages and hints. */
import type { z } from 'zod';
import { ISSUE_CODES, type PlanPath, type UnlocatedIssue } from './issues';
import { suggestion } from './suggest';
import { PLAN_API_VERSION } from './types';

type ZodIssue = z.core.$ZodIssue;

/** Converts the issues of `schema.safeParse(raw)`; `raw` is read to name the offending values. */
export function fromZodIssues(issues: readonly ZodIssue[], raw: unknown, schema: z.ZodType): UnlocatedIssue[] {
  return issues.flatMap((issue) => convert(issue, raw, schema));
}

function convert(issue: ZodIssue, raw: unknown, schema: z.ZodType): UnlocatedIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const value = valueAt(raw, path);
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        onKey: true,
        message: `unknown key "${key}"`,
        hint: suggestion(key, known, 'key'),
        code: ISSUE_CODES.unknownKey,
      }));
    }
    case 'invalid_key':
      return [{ path, onKey: true, message: `invalid name "${clipName(String(last))}"`, hint: issue.issues[0]?.message, code: ISSUE_CODES.invalidName }];
    case 'invalid_value': {
      if (path.length === 1 && last === 'apiVersion') {
        const message = value === undefined ? 'missing apiVersion' : `unsupported apiVersion ${describe(value)}`;
        return [{ path, message, hint: `write apiVersion: ${PLAN_API_VERSION}`, code: ISSUE_CODES.apiVersion }];
      }
      const allowed = issue.values.map(String);
      return [
        {
          path,
          message: `${describe(value)} is not one of: ${allowed.join(', ')}`,
          hint: typeof value === 'string' ? suggestion(value, allowed, 'value') : `use one of: ${allowed.join(', ')}`,
          code: ISSUE_CODES.invalidValue,
        },
      ];
    }
    case 'invalid_type':
      if (value === undefined && typeof last === 'string') {
        const hint = last === 'apiVersion' ? `start the plan with apiVersion: ${PLAN_API_VERSION}` : `add ${last}: ...`;
        return [{ path, message: `missing required key "${last}"`, hint, code: last === 'apiVersion' ? ISSUE_CODES.apiVersion : ISSUE_CODES.missingKey }];
      }
      return [{ path, message: `expected ${article(issue.expected)}, got ${describe(value)}`, hint: typeHint(issue.expected, value), code: ISSUE_CODES.invalidValue }];
    case 'too_small':
      return [{ path, message: tooSmall(issue.origin, issue.minimum), code: ISSUE_CODES.invalidValue }];
    case 'too_big':
      return [{ path, message: `must be at most ${String(issue.maximum)}`, code: ISSUE_CODES.invalidValue }];
    case 'custom': {
      const params = (issue.params ?? {}) as { code?: UnlocatedIssue['code']; hint?: string };
      return [{ path, message: issue.message, hint: params.hint, code: params.code ?? ISSUE_CODES.invalidValue }];
    }
    default:
      return [{ path, message: `${issue.message}${value === undefined ? '' : `, got ${describe(value)}`}`, code: ISSUE_CODES.invalidValue }];
  }
}

function tooSmall(origin: string, minimum: number | bigint): string {
  if (origin === 'array') return minimum === 1 ? 'must not be empty' : `needs at least ${String(minimum)} items`;
  if (origin === 'string') return 'must not be empty';
  return `must be at least ${String(minimum)}`;
}

function typeHint(expected: string, value: unknown): string | undefined {
  if (expected === 'array' && (typeof value === 'string' || typeof value === 'number')) return `write a list: [${String(value)}]`;
  if (expected === 'object' && value === null) return 'the key has no value; remove it or give it one';
  return undefined;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** How a YAML value reads in a message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** The value at `path` in plain YAML data, or undefined. */
export function valueAt(raw: unknown, path: PlanPath): unknown {
  let node = raw;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

/** Keys allowed by the object schema found at `path` (for "did you mean" hints). */
function knownKeysAt(schema: z.ZodType, path: PlanPath): string[] {
  const target = schemaAt(schema, path);
  const shape = target ? defOf(target).shape : undefined;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) return current;
    current = next;
  }
}

function schemaAt(schema: z.ZodType, path: PlanPath): z.ZodType | undefined {
  let current = unwrap(schema);
  for (const [i, part] of path.entries()) {
    const def = defOf(current);
    let next: z.ZodType | undefined;
    if (def.type === 'object') next = def.shape?.[String(part)];
    else if (def.type === 'record') next = def.valueType;
    else if (def.type === 'array') next = def.element;
    else if (def.type === 'union') {
      for (const option of def.options ?? []) {
        const found = schemaAt(option, path.slice(i));
        if (found) return found;
      }
      return undefined;
    }
    if (!next) return undefined;
    current = unwrap(next);
  }
  if (defOf(current).type === 'union') return defOf(current).options?.map(unwrap).find((o) => defOf(o).type === 'object');
  return current;
}

/** A name quoted in a message: a 1,000-character one is cut, the hint says why it is wrong. */
function clipName(name: string): string {
  return name.length > 60 ? `${name.slice(0, 59)}…` : name;
}
