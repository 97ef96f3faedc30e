/**
 * Every rule of a set of Rego modules by its path under `data`, and the names each module can use
 * for them: rules of its own package, and imports (with or without aliases). Definitions sharing a
 * path, within a module or across modules of one package, form one group, as OPA merges them.
 */
import type { SourceRef } from '../../../facts';
import type { Module, Position, Ref, RefArg, Rule, RuleKind } from '../ast';

/** A parsed module and how to place its positions in the scanned file. */
export interface RegoModule {
  module: Module;
  text: string;
  locate(pos: Position): SourceRef;
}

export interface RuleDef {
  rule: Rule;
  mod: RegoModule;
}

export type GroupKind = Exclude<RuleKind, 'default'>;

export interface RuleGroup {
  /** Path under `data`, e.g. ['lib', 'exclude_update', 'is_update']. */
  path: string[];
  key: string;
  kind: GroupKind;
  defs: RuleDef[];
  defaults: RuleDef[];
}

/** The static part of a rule head: dots and constant brackets, without a partial rule's key. */
export function headPath(rule: Rule): string[] {
  const head = rule.head;
  const out = head.head.type === 'var' ? [head.head.name] : [];
  for (const [i, arg] of head.path.entries()) {
    const isKey = i === head.path.length - 1 && arg.type === 'bracket' && arg.term === rule.key;
    const name = isKey ? undefined : staticName(arg);
    if (name === undefined) break;
    out.push(name);
  }
  return out;
}

/** `.x` or `["x"]` as its key; undefined for a computed bracket. */
export function staticName(arg: RefArg): string | undefined {
  if (arg.type === 'dot') return arg.name;
  return arg.term.type === 'string' ? arg.term.value : undefined;
}

/** The static segments of a reference (`data.lib["x"]` → data, lib, x), up to the first computed one. */
export function staticPrefix(ref: Ref): string[] {
  const out = ref.head.type === 'var' ? [ref.head.name] : [];
  for (const arg of ref.path) {
    const name = staticName(arg);
    if (name === undefined) break;
    out.push(name);
  }
  return out;
}

/** Every segment of a reference with a variable head, or undefined when one of them is computed. */
export function staticSegments(ref: Ref): string[] | undefined {
  if (ref.head.type !== 'var') return undefined;
  const out = staticPrefix(ref);
  return out.length === ref.path.length + 1 ? out : undefined;
}

const callNames = new Map<string, { first: string; more: string[] }>();

/** A called name split at its first dot (`lib.f` → `lib`, [`f`]), remembered: calls are evaluated over and over. */
export function splitCallName(name: string): { first: string; more: readonly string[] } {
  let n = callNames.get(name);
  if (!n) {
    if (callNames.size > 10_000) callNames.clear();
    const [first = '', ...more] = name.split('.');
    callNames.set(name, (n = { first, more }));
  }
  return n;
}

export class RulesIndex {
  private readonly groups = new Map<string, RuleGroup>();
  /** Every prefix of every rule path: a ref to a prefix is a whole package or a nested object. */
  private readonly prefixes = new Set<string>();
  private readonly imports = new Map<Module, Map<string, string[]>>();
  /** resolveName's answers per module: it is asked for every variable the analysis meets. */
  private readonly resolved = new Map<Module, Map<string, string[] | undefined>>();

  constructor(modules: RegoModule[]) {
    for (const mod of modules) {
      const pkg = mod.module.package.segments;
      for (const rule of mod.module.rules) this.add([...pkg, ...headPath(rule)], { rule, mod });
      const aliases = new Map<string, string[]>();
      for (const imp of mod.module.imports) {
        const p = staticSegments(imp.path);
        if (!p || p[0] === 'future' || p[0] === 'rego') continue;
        aliases.set(imp.alias ?? p[p.length - 1]!, p);
      }
      this.imports.set(mod.module, aliases);
    }
  }

  private add(path: string[], def: RuleDef): void {
    const key = path.join('.');
    let g = this.groups.get(key);
    if (!g) {
      g = { path, key, kind: 'complete', defs: [], defaults: [] };
      this.groups.set(key, g);
      for (let i = 1; i < path.length; i++) this.prefixes.add(path.slice(0, i).join('.'));
    }
    if (def.rule.kind === 'default') g.defaults.push(def);
    else {
      g.defs.push(def);
      g.kind = def.rule.kind;
    }
    if (def.rule.args && g.kind === 'complete') g.kind = 'function';
  }

  group(path: readonly string[]): RuleGroup | undefined {
    return this.groups.get(path.join('.'));
  }

  /** The rule group at the longest prefix of a data path, and how many segments it used. */
  lookup(path: readonly string[]): { group: RuleGroup; used: number } | undefined {
    for (let n = path.length; n > 0; n--) {
      const g = this.groups.get(path.slice(0, n).join('.'));
      if (g) return { group: g, used: n };
    }
    return undefined;
  }

  /** A data path that names a package or a nested rule object (not a rule). */
  isPrefix(path: readonly string[]): boolean {
    return this.prefixes.has(path.join('.'));
  }

  /**
   * What a name means in a module when it is not a local variable: ['data', …] for a rule of the
   * package or an imported path, ['input', …] for an imported input path, undefined otherwise.
   */
  resolveName(mod: RegoModule, name: string): readonly string[] | undefined {
    let cache = this.resolved.get(mod.module);
    if (!cache) this.resolved.set(mod.module, (cache = new Map()));
    if (cache.has(name)) return cache.get(name);
    const found = this.resolve(mod, name);
    cache.set(name, found);
    return found;
  }

  private resolve(mod: RegoModule, name: string): string[] | undefined {
    if (name === 'input' || name === 'data') return [name];
    const own = [...mod.module.package.segments, name];
    if (this.groups.has(own.join('.')) || this.prefixes.has(own.join('.'))) return ['data', ...own];
    return this.imports.get(mod.module)?.get(name);
  }

  /** All groups whose path is in the package, by rule name (the first head segment). */
  entryGroups(mod: RegoModule, isEntry: (name: string) => boolean): RuleGroup[] {
    const pkg = mod.module.package.segments;
    const out: RuleGroup[] = [];
    const seen = new Set<string>();
    for (const rule of mod.module.rules) {
      if (!isEntry(rule.name) || rule.kind === 'default') continue;
      const g = this.group([...pkg, ...headPath(rule)]);
      if (g && !seen.has(g.key)) {
        seen.add(g.key);
        out.push(g);
      }
    }
    return out;
  }
}
