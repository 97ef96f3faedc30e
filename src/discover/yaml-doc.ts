/**
 * YAML documents with source positions. Engines read policies through YamlDoc so that every fact
 * can point at a file, line and column; aliases are resolved here, with a budget against alias bombs.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from '../yaml-lib';
import type { Document, Node, Pair, ScalarTag, YAMLMap } from 'yaml';
import type { ScanError, SourceRef } from '../facts';
import { reindentQuotedContinuations } from './lenient';
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

  /** The same document read from another file with the same text (a verbatim copy). */
  renamed(file: string): YamlDoc {
    return new YamlDoc(file, this.doc, this.root, this.lines, this.text);
  }

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

  /** Where each line of the file starts (offsets), as `refAt` reads them. */
  get lineStarts(): readonly number[] {
    return this.lines.lineStarts;
  }

  /** The place of a character offset in the file. */
  refAt(offset: number): SourceRef {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /**
   * The pair for `key` in a map node (the key node is the place to point at). YAML merge keys
   * (`<<: *base`, `<<: [*a, *b]`) are followed as Kubernetes' decoders do: keys written in the map win,
   * then the merged maps in order (loadYaml rejects the orders on which Go's decoders disagree).
   */
  pair(node: unknown, key: string): Pair<Node, Node> | undefined {
    const m = this.resolve(node);
    if (!m || !isMap(m)) return undefined;
    let merged = false;
    for (const p of (m as YAMLMap<Node, Node>).items) {
      const k = this.resolve(p.key);
      if (isMergeKey(k)) merged = true;
      else if (scalarString(k) === key) return p as Pair<Node, Node>;
    }
    if (!merged) return undefined;
    for (const source of this.mergeSources(m as YAMLMap<Node, Node>)) {
      const found = this.pair(source, key);
      if (found) return found;
    }
    return undefined;
  }

  /** The maps a mapping merges in, first (strongest) first. */
  mergeSources(m: YAMLMap<Node, Node>): Node[] {
    const out: Node[] = [];
    for (const p of m.items) {
      if (!isMergeKey(this.resolve(p.key))) continue;
      const v = this.resolve(p.value);
      if (v && isSeq(v)) out.push(...this.items(v));
      else if (v) out.push(v);
    }
    return out;
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
    let merged = false;
    for (const p of (m as YAMLMap<Node, Node>).items) {
      const keyNode = this.resolve(p.key);
      if (isMergeKey(keyNode)) merged = true;
      const key = scalarString(keyNode);
      if (keyNode && key !== undefined) out.push({ key, keyNode, value: this.resolve(p.value) });
    }
    if (!merged) return out;
    const seen = new Set(out.map((p) => p.key));
    for (const source of this.mergeSources(m as YAMLMap<Node, Node>)) {
      for (const p of this.pairs(source)) {
        if (seen.has(p.key)) continue;
        seen.add(p.key);
        out.push(p);
      }
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
  if (v === null || typeof v === 'symbol') return undefined;
  // `!!binary` decodes to its bytes, as Go's YAML decoders turn it into a string.
  return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v);
}

function isMergeKey(n: unknown): boolean {
  return isScalar(n) && typeof n.value === 'symbol';
}

export interface LoadedYaml {
  docs: YamlDoc[];
  /** The first problem in the file (one per file): the file cannot be read as Kubernetes would. */
  error?: ScanError;
  /** Read, but only leniently, as Kubernetes' Go decoders do and YAML 1.2 does not. */
  warning?: ScanError;
}

/**
 * kubectl decodes YAML with Go's yaml.v2, which reads the YAML 1.1 booleans: a plain `yes`, `on`, `y`
 * is true and `no`, `off`, `n` false. Read as strings, `privileged: yes` in a PodSecurityPolicy would
 * look like a restriction while the cluster gets `true`.
 */
const GO_BOOL: ScalarTag = {
  identify: (v) => typeof v === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:[Yy]|[Yy]es|YES|[Oo]n|ON|[Nn]|[Nn]o|NO|[Oo]ff|OFF)$/,
  resolve: (s) => /^(?:[Yy]|[Yy]es|YES|[Oo]n|ON)$/.test(s),
};

// The parser's own duplicate-key check compares every key with every other (quadratic in a mapping's
// size); duplicateKey does it with a set.
const PARSE_OPTIONS = { prettyErrors: true, uniqueKeys: false, merge: true, customTags: ['binary' as const, GO_BOOL] };

/**
 * Parses every document of a file as Kubernetes' YAML decoders would, or says why it cannot: a lone
 * carriage return (and NEL, LS, PS) breaks lines, merge keys merge, `!!binary` decodes; documents
 * that Kubernetes' document splitter would not separate, and merges Go's decoders resolve
 * differently, are errors. Syntax errors carry line and column; good documents of the file are kept.
 */
export function readYaml(src: SourceFile): LoadedYaml {
  let text = normalizeLineBreaks(src.text);
  let lines = new LineCounter();
  let docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lines }) as Document.Parsed[];
  let warning: ScanError | undefined;
  const strictError = docs.flatMap((d) => d.errors)[0];
  if (strictError?.code === 'MISSING_CHAR' && /quote/.test(strictError.message)) {
    const lenient = reindentQuotedContinuations(text);
    const lenientLines = new LineCounter();
    const again = lenient === undefined ? [] : (parseAllDocuments(lenient, { ...PARSE_OPTIONS, lineCounter: lenientLines }) as Document.Parsed[]);
    if (lenient !== undefined && again.every((d) => d.errors.length === 0)) {
      warning = problem(src.path, strictError, 'warning',
        'a quoted value continues on a line indented no deeper than its key: invalid YAML 1.2, read leniently as kubectl and kustomize do');
      [text, lines, docs] = [lenient, lenientLines, again];
    }
  }
  const out: YamlDoc[] = [];
  let error: ScanError | undefined;
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      error ??= problem(src.path, err, 'error', `invalid YAML: ${firstLine(err.message)}`);
      continue;
    }
    if (!doc.contents) continue;
    const y = new YamlDoc(src.path, doc, doc.contents as Node, lines, text);
    const dup = duplicateKey(y);
    if (dup) {
      error ??= dup;
      continue;
    }
    out.push(y);
  }
  // A file Kubernetes tools read differently holds no policy polcov can vouch for: none is read.
  const ambiguous = splitMismatch(src, out) ?? (text.includes('<<') ? out.map(mergeConflict).find(Boolean) : undefined);
  if (ambiguous) return { docs: [], error: error ?? ambiguous, ...(warning ? { warning } : {}) };
  return { docs: out, ...(error ? { error } : {}), ...(warning ? { warning } : {}) };
}

/**
 * A copy of a string read from a file that does not hold on to the file's text: V8 keeps a
 * substring of 13 characters or more as a slice of its whole source, so a name kept in the facts
 * would keep its file's text alive. (A UTF-16 round trip leaves every string unchanged.)
 */
export const detached = (s: string): string => Buffer.from(s, 'utf16le').toString('utf16le');

/**
 * A way to parse a document again from its file's text, holding only that text: an engine can let
 * go of a syntax tree it needs again only rarely (a Gatekeeper template under a constraint's
 * parameters). The text is the one first parsed (line breaks normalised, read leniently if it was).
 */
export function rereader(y: YamlDoc): () => YamlDoc {
  // Only these are captured, not the document.
  const { file, text } = y;
  const [start, end] = y.root.range ?? [0, 0];
  const map = isMap(y.root);
  const wanted = (n: Node): boolean => n.range?.[0] === start && n.range[1] === end && isMap(n) === map;
  return () => {
    const lines = new LineCounter();
    for (const doc of parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lines }) as Document.Parsed[]) {
      let found: Node | undefined;
      visit(doc, (_, n) => {
        if (!wanted(n as Node)) return undefined;
        found = n as Node;
        return visit.BREAK;
      });
      if (found) return new YamlDoc(file, doc, found, lines, text);
    }
    throw new Error(`${file}: the document at offset ${start} is not there when parsed again`);
  };
}

/** The documents of a file; its one problem (or lenient-read warning) goes to `errors`. */
export function loadYaml(src: SourceFile, errors: ScanError[]): YamlDoc[] {
  const r = readYaml(src);
  if (r.warning) errors.push(r.warning);
  if (r.error) errors.push(r.error);
  return r.docs;
}

/** Line breaks YAML 1.1 and Go's decoders know besides \n and \r\n, as \n (same length: offsets hold). */
export function normalizeLineBreaks(text: string): string {
  return /[\r\u0085\u2028\u2029]/.test(text) ? text.replace(/\r(?!\n)|[\u0085\u2028\u2029]/g, '\n') : text;
}

/**
 * Kubernetes splits a stream into documents only at lines (ended by \n) that start with `---` followed
 * by nothing but spaces or a comment, and then decodes the first document of each part. Where the
 * YAML parser found a second document inside one such part (after `...`, after `--- content`, after a
 * lone carriage return), tools disagree about what the file holds: report it rather than guess.
 */
function splitMismatch(src: SourceFile, docs: YamlDoc[]): ScanError | undefined {
  if (docs.length < 2) return undefined;
  const separators: number[] = [];
  const sep = /(^|\n)---[ \t]*(#[^\n]*)?(?=\r?\n|$)/g;
  for (let m = sep.exec(src.text); m; m = sep.exec(src.text)) separators.push(m.index + m[1]!.length);
  let part = -1;
  let k = 0;
  for (const d of docs) {
    const start = d.root.range?.[0] ?? 0;
    let p = -1;
    while (k < separators.length && separators[k]! <= start) k++;
    p = k;
    if (p === part) {
      const at = d.refAt(start);
      return { file: src.path, line: at.line, column: at.column, severity: 'error',
        message: 'YAML document not separated by a "---" line: Kubernetes tools split this file differently, so polcov cannot tell which policies it holds' };
    }
    part = p;
  }
  return undefined;
}

/** A key written twice in one mapping: invalid YAML, and Go's decoders disagree on which value wins. */
function duplicateKey(y: YamlDoc): ScanError | undefined {
  // In document order, keys before values, as the parser wrote them; a plain recursion, as yaml's
  // visit() copies the path to every node it visits.
  const inNode = (node: unknown): ScanError | undefined => {
    if (isSeq(node)) {
      for (const item of node.items) {
        const found = inNode(item);
        if (found) return found;
      }
      return undefined;
    }
    if (!isMap(node)) return undefined;
    const seen = node.items.length > 1 ? new Set<string>() : undefined;
    for (const p of node.items) {
      const k = p.key;
      if (seen && isScalar(k) && typeof k.value !== 'symbol') {
        const key = String(k.value);
        if (seen.has(key)) return { ...y.ref(k), severity: 'error', message: `invalid YAML: Map keys must be unique ("${key}" is written twice)` };
        seen.add(key);
      }
    }
    for (const p of node.items) {
      const found = inNode(p.key) ?? inNode(p.value);
      if (found) return found;
    }
    return undefined;
  };
  return inNode(y.doc.contents);
}

/**
 * Go's YAML decoders disagree on merge keys in two cases: yaml.v2 (kubectl) lets a merge override a key
 * written before it, and several `<<` keys in one mapping. Either is reported instead of guessed.
 */
function mergeConflict(y: YamlDoc): ScanError | undefined {
  let found: ScanError | undefined;
  visit(y.doc, {
    Map(_, map) {
      const merges = map.items.filter((p) => isMergeKey(y.resolve(p.key)));
      if (merges.length === 0) return undefined;
      const fail = (node: unknown, message: string): typeof visit.BREAK => {
        found = { ...y.ref(node), severity: 'error', message };
        return visit.BREAK;
      };
      if (merges.length > 1) return fail(merges[1]!.key, 'several YAML merge keys (<<) in one mapping: Kubernetes tools merge them differently');
      const mergeAt = map.items.indexOf(merges[0]!);
      const before = new Set(map.items.slice(0, mergeAt).map((p) => scalarString(y.resolve(p.key))));
      const overridden = y.mergeSources(map as YAMLMap<Node, Node>).flatMap((m) => y.pairs(m)).find((p) => before.has(p.key));
      if (overridden) return fail(merges[0]!.key, `YAML merge key (<<) after "${overridden.key}", which it also defines: kubectl takes the merged value, other tools the written one`);
      return undefined;
    },
  });
  return found;
}

function problem(file: string, err: { linePos?: [{ line: number; col: number }] | [{ line: number; col: number }, { line: number; col: number }] }, severity: 'error' | 'warning', message: string): ScanError {
  const [line, column] = err.linePos ? [err.linePos[0].line, err.linePos[0].col] : [0, 0];
  return { file, line, column, severity, message };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}
