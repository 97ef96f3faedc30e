/**
 * From files to policy documents: the text prefilter, YAML loading, `kind: List` expansion,
 * unwrapping policies wrapped for delivery (`wrapped.ts`) and routing each document to the engine
 * that reads it.
 */
import type { Node } from 'yaml';
import type { EngineId, PolicyFacts, ScanError } from '../facts';
import type { Engine, PolicyDoc } from '../engines/types';
import { loadYaml, type YamlDoc } from './yaml-doc';
import type { SourceFile } from './walk';
import { unwrapDocuments, WRAPPER_MARKERS } from './wrapped';

export interface Routed {
  docs: Map<Engine, PolicyDoc[]>;
  raw: Map<Engine, SourceFile[]>;
  /** Policy files that could not be parsed: reported as unanalyzable, never skipped. */
  broken: PolicyFacts[];
  stats: { files: number; prefiltered: number; documents: number };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function makeRouter(engines: readonly Engine[]) {
  const marker = new RegExp([...engines.flatMap((e) => e.markers), ...WRAPPER_MARKERS].map(escape).join('|'));
  const kindLine = new RegExp(`^\\s*-?\\s*kind:\\s*["']?(${engines.flatMap((e) => e.kinds).map(escape).join('|')})["']?\\s*$`, 'm');
  const rawEngine = (path: string): Engine | undefined =>
    engines.find((e) => e.rawExtensions?.some((x) => path.toLowerCase().endsWith(x)));

  return function route(files: SourceFile[], errors: ScanError[]): Routed {
    const out: Routed = { docs: new Map(), raw: new Map(), broken: [], stats: { files: files.length, prefiltered: 0, documents: 0 } };
    const push = <T>(m: Map<Engine, T[]>, e: Engine, v: T): void => void (m.get(e) ?? m.set(e, []).get(e)!).push(v);
    for (const f of files) {
      const raw = rawEngine(f.path);
      if (raw) {
        push(out.raw, raw, f);
        continue;
      }
      if (!marker.test(f.text)) continue;
      out.stats.prefiltered++;
      const before = errors.length;
      let docs: YamlDoc[] = [];
      try {
        docs = loadYaml(f, errors);
      } catch (e) {
        errors.push({ file: f.path, line: 0, column: 0, severity: 'error', message: `cannot parse: ${(e as Error).message}` });
      }
      if (errors.length > before) {
        const kind = kindLine.exec(f.text)?.[1];
        const engine = kind && engines.find((e) => e.kinds.includes(kind));
        if (engine && kind) out.broken.push(brokenPolicy(engine.id, kind, f, errors[errors.length - 1]!));
      }
      for (const d of docs) {
        for (const item of expandList(d).flatMap((i) => unwrapDocuments(i, errors))) {
          out.stats.documents++;
          const doc = toPolicyDoc(item, f, errors);
          const engine = doc && engines.find((e) => e.accepts(doc.apiVersion, doc.kind));
          if (doc && engine) push(out.docs, engine, doc);
        }
      }
    }
    return out;
  };
}

function expandList(d: YamlDoc): YamlDoc[] {
  if (d.str(d.get(d.root, 'kind')) !== 'List' && !d.str(d.get(d.root, 'kind'))?.endsWith('List')) return [d];
  return d.items(d.get(d.root, 'items')).map((n: Node) => d.sub(n));
}

/** Reads identity fields; a document whose aliases explode is reported and dropped. */
function toPolicyDoc(y: YamlDoc, f: SourceFile, errors: ScanError[]): PolicyDoc | undefined {
  const apiVersion = y.str(y.get(y.root, 'apiVersion'));
  const kind = y.str(y.get(y.root, 'kind'));
  if (!apiVersion || !kind) return undefined;
  const at = y.ref(y.pair(y.root, 'kind')?.key ?? y.root);
  if (ALIAS_TOKEN.test(f.text) && hasAliasBomb(y)) {
    errors.push({ file: f.path, line: at.line, column: at.column, severity: 'error', message: 'YAML alias expansion too large (alias bomb?): document skipped' });
    return undefined;
  }
  const meta = y.get(y.root, 'metadata');
  const name = y.str(y.get(meta, 'name')) ?? '(unnamed)';
  const namespace = y.str(y.get(meta, 'namespace'));
  return { yaml: y, apiVersion, kind, name, ...(namespace ? { namespace } : {}), at };
}

/** A YAML alias (`*name`) somewhere in the text: only then is the costlier bomb check needed. */
const ALIAS_TOKEN = /(^|[\s,[{])\*[\w-]/m;
const bombChecked = new WeakMap<object, boolean>();

function hasAliasBomb(y: YamlDoc): boolean {
  let bomb = bombChecked.get(y.doc);
  if (bomb === undefined) {
    try {
      y.doc.toJS({ maxAliasCount: 1000 });
      bomb = false;
    } catch (e) {
      bomb = e instanceof ReferenceError;
    }
    bombChecked.set(y.doc, bomb);
  }
  return bomb;
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
