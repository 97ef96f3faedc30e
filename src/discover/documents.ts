/**
 * From files to policy documents: the text prefilter, YAML loading, `kind: List` expansion,
 * unwrapping policies wrapped for delivery (`wrapped.ts`) and routing each document to the engine
 * that reads it.
 */
import type { Node } from 'yaml';
import type { EngineId, PolicyFacts, ScanError } from '../facts';
import type { Engine, PolicyDoc } from '../engines/types';
import { notAPolicy, type SkippedDocument } from './policy-shape';
import { mayName } from './prefilter';
import { detached, readYaml, type LoadedYaml, type YamlDoc } from './yaml-doc';
import type { SourceFile } from './walk';
import { unwrapDocuments, WRAPPER_MARKERS } from './wrapped';

export interface Routed {
  docs: Map<Engine, PolicyDoc[]>;
  raw: Map<Engine, SourceFile[]>;
  /** Policy files that could not be parsed: reported as unanalyzable, never skipped. */
  broken: PolicyFacts[];
  /** Documents of a policy kind that are no policy (test assertions, partial objects). */
  skipped: SkippedDocument[];
  stats: { files: number; prefiltered: number; documents: number };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function emptyRouted(): Routed {
  return { docs: new Map(), raw: new Map(), broken: [], skipped: [], stats: { files: 0, prefiltered: 0, documents: 0 } };
}

/**
 * A router: each file's documents, or the file itself for raw sources, are added to `out` by engine;
 * `parse` reads a file's YAML (parse-reuse.ts shares the parses of verbatim copies).
 */
export function makeRouter(engines: readonly Engine[]) {
  const marker = new RegExp([...engines.flatMap((e) => e.markers), ...WRAPPER_MARKERS].map(escape).join('|'));
  const kindLine = new RegExp(`^\\s*-?\\s*kind:\\s*["']?(${engines.flatMap((e) => e.kinds).map(escape).join('|')})["']?\\s*$`, 'm');
  const rawEngine = (path: string): Engine | undefined =>
    engines.find((e) => e.rawExtensions?.some((x) => path.toLowerCase().endsWith(x)));

  // The prefilter: a file is skipped only when no decoding of it can name a policy kind.
  const mayHoldPolicy = (f: SourceFile): boolean => mayName(f.text, marker);
  const push = <T>(m: Map<Engine, T[]>, e: Engine, v: T): void => void (m.get(e) ?? m.set(e, []).get(e)!).push(v);
  const route = (f: SourceFile, errors: ScanError[], out: Routed, parse: (f: SourceFile) => LoadedYaml = readYaml): void => {
    out.stats.files++;
    const raw = rawEngine(f.path);
    if (raw) {
      push(out.raw, raw, f);
      return;
    }
    if (!mayHoldPolicy(f)) return;
    out.stats.prefiltered++;
    let loaded: LoadedYaml;
    try {
      loaded = parse(f);
    } catch (e) {
      loaded = { docs: [], error: { file: f.path, line: 0, column: 0, severity: 'error', message: `cannot parse: ${(e as Error).message}` } };
    }
    if (loaded.warning) errors.push(loaded.warning);
    // One file, one problem: a policy file that cannot be read is an unanalyzable policy (fail
    // closed), any other file an input error.
    const problem = loaded.error ?? aliasBomb(loaded.docs, f);
    if (problem) {
      const kind = kindLine.exec(f.text)?.[1];
      const engine = kind && engines.find((e) => e.kinds.includes(kind));
      if (engine && kind) out.broken.push(brokenPolicy(engine.id, kind, f, problem));
      else errors.push(problem);
    }
    for (const d of problem?.message === ALIAS_BOMB ? [] : loaded.docs) {
      try {
        for (const item of expandList(d).flatMap((i) => unwrapDocuments(i, errors))) {
          out.stats.documents++;
          const doc = toPolicyDoc(item);
          const engine = doc && engines.find((e) => e.accepts(doc.apiVersion, doc.kind));
          if (!doc || !engine) continue;
          const reason = notAPolicy(doc);
          if (reason) out.skipped.push({ ...doc.at, kind: doc.kind, name: doc.name, reason });
          else push(out.docs, engine, doc);
        }
      } catch (e) {
        // Past the alias budget: one error for the document, the scan goes on.
        errors.push({ ...d.ref(d.root), severity: 'error', message: `cannot read: ${(e as Error).message}` });
      }
    }
  };
  return { route, mayHoldPolicy: (f: SourceFile): boolean => rawEngine(f.path) !== undefined || mayHoldPolicy(f) };
}

function expandList(d: YamlDoc): YamlDoc[] {
  if (d.str(d.get(d.root, 'kind')) !== 'List' && !d.str(d.get(d.root, 'kind'))?.endsWith('List')) return [d];
  return d.items(d.get(d.root, 'items')).map((n: Node) => d.sub(n));
}

/** Reads identity fields. */
function toPolicyDoc(y: YamlDoc): PolicyDoc | undefined {
  const apiVersion = y.str(y.get(y.root, 'apiVersion'));
  const kind = y.str(y.get(y.root, 'kind'));
  if (!apiVersion || !kind) return undefined;
  const at = y.ref(y.pair(y.root, 'kind')?.key ?? y.root);
  const meta = y.get(y.root, 'metadata');
  const name = y.str(y.get(meta, 'name'));
  const namespace = y.str(y.get(meta, 'namespace'));
  return { yaml: y, apiVersion: detached(apiVersion), kind: detached(kind), name: name === undefined ? '(unnamed)' : detached(name), ...(namespace ? { namespace: detached(namespace) } : {}), at };
}

/** A YAML alias (`*name`) somewhere in the text: only then is the costlier bomb check needed. */
const ALIAS_TOKEN = /(^|[\s,[{])\*[\w-]/m;
const ALIAS_BOMB = 'YAML alias expansion too large (alias bomb?): file skipped';

/** The first document whose aliases expand past the budget, as the file's one error. */
function aliasBomb(docs: YamlDoc[], f: SourceFile): ScanError | undefined {
  if (!ALIAS_TOKEN.test(f.text)) return undefined;
  for (const y of docs) {
    try {
      y.doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      if (!(e instanceof ReferenceError)) continue;
      const at = y.ref(y.pair(y.root, 'kind')?.key ?? y.root);
      return { file: f.path, line: at.line, column: at.column, severity: 'error', message: ALIAS_BOMB };
    }
  }
  return undefined;
}

function brokenPolicy(engine: EngineId, kind: string, f: SourceFile, err: ScanError): PolicyFacts {
  const at = { file: f.path, line: Math.max(err.line, 1), column: Math.max(err.column, 1) };
  const name = /^\s*name:\s*["']?([^\s"'#]+)/m.exec(f.text)?.[1] ?? f.path;
  return {
    engine,
    policy: { kind, name },
    at,
    rules: [],
    exemptions: [],
    unanalyzable: [{ reason: err.message, at }],
  };
}
