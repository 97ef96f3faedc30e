/**
 * YAML documents with source positions. Engines read policies through YamlDoc so that every fact
 * can point at a file, line and column; aliases are resolved here, with a budget against alias bombs.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import type { ScanError, SourceRef } from '../facts';
import type { SourceFile } from './walk';

const MAX_ALIAS_RESOLUTIONS = 10_000;

export class YamlBudgetError extends Error {}

export class YamlDoc {
  private aliasBudget = { left: MAX_ALIAS_RESOLUTIONS };

  constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    readonly root: Node,
    private readonly lines: LineCounter,
    /** The whole file's text: engines that map offsets inside a scalar (CEL expressions) need it. */
    readonly text: string,
  ) {}

  /** A view of a sub-node as its own document (items of `kind: List`). */
  sub(node: Node): YamlDoc {
    const d = new YamlDoc(this.file, this.doc, node, this.lines, this.text);
    d.aliasBudget = this.aliasBudget;
    return d;
  }

  resolve(node: unknown): Node | undefined {
    let n = node as Node | undefined;
    while (n && isAlias(n)) {
      if (--this.aliasBudget.left < 0) throw new YamlBudgetError('too many YAML alias expansions (alias bomb?)');
      n = n.resolve(this.doc) as Node | undefined;
    }
    return n ?? undefined;
  }

  ref(node: unknown, fallback?: SourceRef): SourceRef {
    const range = (node as Node | undefined)?.range;
    if (!range) return fallback ?? { file: this.file, line: 1, column: 1 };
    return this.refAt(range[0]);
  }

  /** The place of a character offset in the file. */
  refAt(offset: number): SourceRef {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** The pair for `key` in a map node (the key node is the place to point at). */
  pair(node: unknown, key: string): Pair<Node, Node> | undefined {
    const m = this.resolve(node);
    if (!m || !isMap(m)) return undefined;
    for (const p of (m as YAMLMap<Node, Node>).items) {
      if (isPair(p) && scalarString(this.resolve(p.key)) === key) return p as Pair<Node, Node>;
    }
    return undefined;
  }

  get(node: unknown, key: string): Node | undefined {
    return this.resolve(this.pair(node, key)?.value);
  }

  /** Follows a chain of map keys. */
  at(node: unknown, ...keys: string[]): Node | undefined {
    let n = this.resolve(node);
    for (const k of keys) n = n && this.get(n, k);
    return n;
  }

  /** Where `key` is written in a map (falls back to the map itself). */
  keyRef(node: unknown, key: string): SourceRef {
    const p = this.pair(node, key);
    return this.ref(p?.key ?? node);
  }

  pairs(node: unknown): { key: string; keyNode: Node; value: Node | undefined }[] {
    const m = this.resolve(node);
    if (!m || !isMap(m)) return [];
    const out: { key: string; keyNode: Node; value: Node | undefined }[] = [];
    for (const p of (m as YAMLMap<Node, Node>).items) {
      const keyNode = this.resolve(p.key);
      const key = scalarString(keyNode);
      if (keyNode && key !== undefined) out.push({ key, keyNode, value: this.resolve(p.value) });
    }
    return out;
  }

  items(node: unknown): Node[] {
    const s = this.resolve(node);
    if (!s || !isSeq(s)) return [];
    return s.items.map((i) => this.resolve(i)).filter((i): i is Node => i !== undefined);
  }

  str(node: unknown): string | undefined {
    return scalarString(this.resolve(node));
  }

  /** Scalar or list of scalars as strings (YAML lets many fields be either). */
  strings(node: unknown): string[] {
    const n = this.resolve(node);
    if (n && isSeq(n)) return this.items(n).map((i) => this.str(i)).filter((s): s is string => s !== undefined);
    const s = this.str(n);
    return s === undefined ? [] : [s];
  }

  isMap(node: unknown): boolean {
    return isMap(this.resolve(node));
  }

  isSeq(node: unknown): boolean {
    return isSeq(this.resolve(node));
  }

  /** The plain value of a scalar node (string, number, boolean, null). */
  scalar(node: unknown): unknown {
    const n = this.resolve(node);
    return n && isScalar(n) ? n.value : undefined;
  }
}

function scalarString(n: unknown): string | undefined {
  if (!n || !isScalar(n)) return undefined;
  const v = n.value;
  return v === null ? undefined : String(v);
}

/** Parses every document of a file; syntax errors become ScanErrors with line and column. */
export function loadYaml(src: SourceFile, errors: ScanError[]): YamlDoc[] {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(src.text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  const out: YamlDoc[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const [line, column] = err.linePos ? [err.linePos[0].line, err.linePos[0].col] : [0, 0];
      errors.push({ file: src.path, line, column, severity: 'error', message: `invalid YAML: ${firstLine(err.message)}` });
      continue;
    }
    if (doc.contents) out.push(new YamlDoc(src.path, doc, doc.contents as Node, lines, src.text));
  }
  return out;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
