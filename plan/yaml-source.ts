/** YAML text → document with source positions, and plan paths → `line:col`. */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { ISSUE_CODES, formatPath, type PlanIssue, type PlanPath, type UnlocatedIssue } from './issues';

export interface YamlSource {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

export interface ReadYamlResult {
  source: YamlSource;
  /** Syntax and duplicate-key errors. */
  issues: PlanIssue[];
  /** The document cannot be trusted (a syntax error): stop after reporting `issues`. */
  fatal: boolean;
}

export function readYaml(text: string, file: string): ReadYamlResult {
  const lineCounter = new LineCounter();
  // merge: `<<: *anchor` lets plans share blocks; uniqueKeys makes duplicates errors.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: true, prettyErrors: false });
  const source: YamlSource = { file, doc, lineCounter };
  let fatal = false;
  const issues = doc.errors.map((error): PlanIssue => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    if (error.code === 'DUPLICATE_KEY') {
      const path = pathAt(doc, error.pos[0]);
      const key = path[path.length - 1];
      return {
        file,
        line,
        col,
        path: formatPath(path),
        message: `duplicate key${key === undefined ? '' : ` "${key}"`}`,
        hint: 'each key may appear once in a map; merge the two entries',
        code: ISSUE_CODES.duplicateKey,
      };
    }
    fatal = true;
    return { file, line, col, path: '', message: error.message, hint: 'fix the YAML syntax', code: ISSUE_CODES.yamlSyntax };
  });
  if (!fatal) {
    // An alias without its anchor is not a parse error, but would make toJS throw. One pass in
    // document order, remembering the anchors seen: `alias.resolve` searches the whole document
    // for each alias, so thousands of aliases took minutes to check.
    const anchors = new Set<string>();
    const remember = (_: unknown, node: { anchor?: string }) => {
      if (node.anchor) anchors.add(node.anchor);
    };
    visit(doc, {
      Scalar: remember,
      Map: remember,
      Seq: remember,
      Alias(_, alias) {
        if (anchors.has(alias.source)) return;
        fatal = true;
        const { line, col } = lineCounter.linePos(alias.range?.[0] ?? 0);
        const path = formatPath(pathAt(doc, alias.range?.[0] ?? 0));
        issues.push({ file, line, col, path, message: `unknown anchor *${alias.source}`, hint: `define &${alias.source} before this alias`, code: ISSUE_CODES.yamlSyntax });
      },
    });
  }
  return { source, issues, fatal };
}

/** Keys of the map at `path` in written order (plain objects put integer-like keys first). */
export function keyOrder(source: YamlSource, path: PlanPath): string[] {
  let node: unknown = resolve(source.doc, source.doc.contents);
  for (const segment of path) {
    if (!isMap(node)) return [];
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    node = resolve(source.doc, pair?.value);
  }
  return isMap(node) ? node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : [];
}

/** Gives an issue the position of the deepest part of its path that exists in the source. */
export function locate(source: YamlSource, issue: UnlocatedIssue): PlanIssue {
  const offset = offsetOf(source.doc, issue.path, issue.onKey ?? false);
  const { line, col } = source.lineCounter.linePos(offset);
  const located: PlanIssue = { file: source.file, line, col, path: formatPath(issue.path), message: issue.message, code: issue.code };
  if (issue.hint !== undefined) located.hint = issue.hint;
  return located;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function start(node: unknown): number | undefined {
  return (node as YamlNode | null)?.range?.[0];
}

function offsetOf(doc: Document, path: PlanPath, onKey: boolean): number {
  let node: unknown = resolve(doc, doc.contents);
  let best = start(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return best;
      const keyStart = start(pair.key);
      if (keyStart !== undefined) best = keyStart;
      if (last && onKey) return best;
      node = resolve(doc, pair.value);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = resolve(doc, node.items[segment]);
    } else {
      return best;
    }
    best = start(node) ?? best;
  }
  return best;
}

/** The path of the key at `offset` (used for YAML errors, which carry only an offset). */
function pathAt(doc: Document, offset: number): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => within(p.key, offset) || within(p.value, offset));
      if (!pair || !isPair(pair)) return path;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      if (within(pair.key, offset)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within(item, offset));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}

function within(node: unknown, offset: number): boolean {
  const range = (node as YamlNode | null)?.range;
  return range != null && offset >= range[0] && offset < range[2];
}
