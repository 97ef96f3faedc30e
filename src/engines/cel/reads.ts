/**
 * Which Pod fields a CEL expression reads. The AST is evaluated abstractly: a value is the set of
 * object paths it may come from (list indices dropped, so an iteration variable stands for the
 * list's path) plus the string constants it may equal (so `object.spec[l]` over a list of names
 * selects those lists). A path counts as read where it is consumed: compared, negated, tested in a
 * macro, or left as the result. Selecting through a parent (`c.securityContext.privileged`) or
 * iterating a list reads nothing by itself, and `has()` only reads fields a control is about:
 * `has(c.securityContext)` is a guard, not a check of every securityContext control.
 * `cel.bind(x, init, body)` binds `x` to the value of `init` like a macro's iteration variable; a
 * function polcov does not know that is handed part of the Pod is unanalyzable, never a silent read.
 */
import { control, CONTROLS, controlsForContainerField, type ControlId } from '../../catalog/controls';
import type { Check, Location, SourceRef, Unanalyzable } from '../../facts';
import { ANY_KEY, checksFor, classifyPodPath, type FieldRead } from '../pod-paths';
import { snippet, type CelExpr, type Variable } from './expressions';
import type { CelNode } from './parse';
import { CelBudget, MAX_VALUE } from './budget';
import { TooComplex } from '../too-complex';

interface PathVal {
  segs: string[];
  at: SourceRef;
}

interface Val {
  paths: PathVal[];
  strings: string[];
  /**
   * The constraint's `exemptImages` parameter, or what is taken from the containers it exempts: a
   * comparison with it is the exemption test, not a check of the image (the exemption itself is
   * reported from the constraint, as for Rego).
   */
  exemption?: true;
}

type Env = Map<string, Val>;

export interface Reads {
  checks: Check[];
  listRefs: Partial<Record<Location, SourceRef>>;
  unanalyzable: Unanalyzable[];
}

const EMPTY: Val = { paths: [], strings: [] };
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'in']);
/** Macros met when some element meets the body (`all` is met by every element). */
const EXISTENTIAL = new Set(['exists', 'exists_one', 'existsOne']);
const MACROS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'map', 'filter', 'transformList', 'transformMap', 'transformMapEntry', 'sortBy', 'optMap', 'optFlatMap']);
/**
 * Functions whose result is made of what they are given (a string function of a field is about
 * that field, `orValue` of a list is the list): the standard CEL library, the cel-go extensions
 * Kubernetes enables, the Kubernetes libraries (lists, regex, URLs, quantities, IP/CIDR, semver,
 * format, authorizer) and Kyverno's image functions. Anything else that is handed a part of the
 * Pod cannot be followed.
 */
const KNOWN_FUNCTIONS = new Set([
  // standard library, conversions, optionals
  'size', 'matches', 'startsWith', 'endsWith', 'contains', 'string', 'int', 'uint', 'double', 'bool', 'bytes', 'dyn', 'type',
  'duration', 'timestamp', 'getDate', 'getDayOfMonth', 'getDayOfWeek', 'getDayOfYear', 'getFullYear', 'getHours',
  'getMilliseconds', 'getMinutes', 'getMonth', 'getSeconds', 'orValue', 'or', 'value', 'hasValue',
  'optional.of', 'optional.ofNonZeroValue', 'optional.none',
  // cel-go strings, lists, sets, math, encoders
  'charAt', 'indexOf', 'lastIndexOf', 'join', 'lowerAscii', 'upperAscii', 'replace', 'split', 'substring', 'trim', 'reverse',
  'format', 'strings.quote', 'distinct', 'flatten', 'slice', 'sort', 'first', 'last', 'lists.range', 'sets.contains',
  'sets.equivalent', 'sets.intersects', 'math.greatest', 'math.least', 'math.abs', 'math.ceil', 'math.floor', 'math.round',
  'math.sign', 'math.trunc', 'math.isNaN', 'math.isInf', 'math.isFinite', 'base64.encode', 'base64.decode',
  // Kubernetes libraries
  'isSorted', 'sum', 'min', 'max', 'find', 'findAll', 'url', 'isURL', 'getScheme', 'getHost', 'getHostname', 'getPort',
  'getEscapedPath', 'getQuery', 'quantity', 'isQuantity', 'sign', 'isInteger', 'asInteger', 'asApproximateFloat', 'add',
  'sub', 'isGreaterThan', 'isLessThan', 'compareTo', 'ip', 'isIP', 'cidr', 'isCIDR', 'family', 'isUnspecified', 'isLoopback',
  'isLinkLocalMulticast', 'isLinkLocalUnicast', 'isGlobalUnicast', 'containsIP', 'containsCIDR', 'masked', 'prefixLength',
  'ip.isCanonical', 'semver', 'isSemver', 'major', 'minor', 'patch', 'validate', 'format.named',
  // Kyverno's image library
  'image', 'isImage', 'parseImageReference', 'registry', 'repository', 'identifier', 'tag', 'digest', 'containsDigest',
]);
/**
 * Kyverno's CEL libraries, as values of known shape. Image data is about the image it is given
 * (`image.GetMetadata(c.image).config.user` checks that image); the resource, HTTP and global
 * context libraries return data from outside the request, their arguments only say what to fetch.
 */
const IMAGE_DATA = new Set(['image.GetMetadata']);
const EXTERNAL_DATA = new Set(['resource.Get', 'resource.List', 'resource.Post', 'http.Get', 'http.Post', 'http.Client', 'globalContext.Get']);
const MAX_NAMED_PATHS = 3;
/** Identifiers that are values in some admission environment; any other bare receiver names a library. */
const VALUE_ROOTS = new Set(['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables']);
const POD_FIELDS = CONTROLS.flatMap((c) => c.podFields);
const CONTAINER_FIELDS = CONTROLS.flatMap((c) => c.containerFields);

function union(vals: Val[]): Val {
  const seen = new Set<string>();
  const paths: PathVal[] = [];
  for (const v of vals) {
    for (const p of v.paths) {
      const k = p.segs.join('\0');
      if (seen.has(k)) continue;
      seen.add(k);
      paths.push(p);
    }
  }
  const strings = [...new Set(vals.flatMap((v) => v.strings))];
  // `.map(c, [c.a, c.b])` chains multiply paths: bounded here, where values are built.
  if (paths.length > MAX_VALUE || strings.length > MAX_VALUE) throw new TooComplex(`a CEL value stands for more than ${MAX_VALUE} fields or strings`);
  return vals.some((v) => v.exemption) ? { paths, strings, exemption: true } : { paths, strings };
}

const EXEMPTION: Val = { paths: [], strings: [], exemption: true };

/** `params.exemptImages` (ValidatingAdmissionPolicy) or `variables.params.exemptImages` (Gatekeeper). */
function isExemptImages(base: CelNode, field: string, env: Env): boolean {
  if (field !== 'exemptImages') return false;
  if (base.op === 'id') return base.args === 'params' && !env.has('params');
  if (base.op !== '.' && base.op !== '.?') return false;
  const [root, name] = base.args;
  return name === 'params' && root.op === 'id' && root.args === 'variables' && !env.has('variables');
}

const isTrue = (n: CelNode): boolean => n.op === 'value' && n.args === true;
const isBool = (n: CelNode): boolean => n.op === 'value' && typeof n.args === 'boolean';

/** The Pod, its spec, anything in it, or its annotations: what a check could be about. */
const isPodPart = (segs: string[]): boolean =>
  segs.length === 0 || segs[0] === 'spec' || (segs[0] === 'metadata' && (segs.length === 1 || segs[1] === 'annotations'));

const isListPath = (segs: string[]): boolean => classifyPodPath(segs).some((r) => r.location !== 'pod' && r.field === '');

/** A read of this field is about some control (not a parent object that merely holds them). */
function atOrBelowControlField(r: FieldRead): boolean {
  const fields = r.location === 'pod' ? POD_FIELDS : CONTAINER_FIELDS;
  return fields.some((f) => r.field === f || r.field.startsWith(f.endsWith('/') ? f : `${f}.`));
}

/** Where a variable is used: `!variables.anyPrivileged` reads it negated, so an `exists` in it holds for every container. */
interface UseContext {
  negated: boolean;
  existential: boolean;
  selecting: boolean;
}

const TOP: UseContext = { negated: false, existential: false, selecting: false };

/** The reads of a policy's expressions; each variable is evaluated once per use context and shared. */
export class ReadAnalysis {
  private readonly memo = new Map<string, { val: Val; reads: Reads }>();
  private readonly active = new Set<string>();
  readonly budget = new CelBudget('reading the CEL expressions');

  constructor(private readonly variables: Map<string, Variable>) {}

  /** What an expression reads, through the variables it uses. */
  expression(e: CelExpr): Reads {
    const ev = new Evaluator(this, e);
    if (e.ast) ev.consume(ev.eval(e.ast, new Map()));
    return ev.out;
  }

  variable(name: string, use: UseContext = TOP): { val: Val; reads: Reads } | undefined {
    const v = this.variables.get(name);
    if (!v) return undefined;
    const key = `${name}|${use.negated}|${use.existential}|${use.selecting}`;
    const known = this.memo.get(key);
    if (known) return known;
    if (this.active.has(name)) {
      return { val: EMPTY, reads: { checks: [], listRefs: {}, unanalyzable: [{ reason: `variable ${name} refers to itself`, at: v.at }] } };
    }
    this.active.add(name);
    const ev = new Evaluator(this, v, use);
    let val: Val;
    try {
      val = v.ast ? ev.eval(v.ast, new Map()) : EMPTY;
    } finally {
      this.active.delete(name);
    }
    // Each use replays the variable's reads: kept once each, so variables built from variables stay small.
    const result = { val, reads: { ...ev.out, checks: uniqueChecks(ev.out.checks) } };
    this.memo.set(key, result);
    return result;
  }
}

class Evaluator {
  readonly out: Reads = { checks: [], listRefs: {}, unanalyzable: [] };
  /** Under an odd number of `!`: `!has(f)` forbids the field, `!list.exists(…)` holds for every element. */
  private negated: boolean;
  /** Inside a macro met when some container meets it (`containers.exists`, `!containers.all`). */
  private existential: number;
  /** Inside the condition of `cond ? x : true`: it selects which containers are checked, it checks nothing. */
  private selecting: number;
  /**
   * Inside a filter's predicate: whether it picks the good or the bad elements depends on how the
   * result is used (`size(bad) == 0`), so `has(f)` there demands nothing.
   */
  private filtering = 0;
  /** Each exemption test met, as whether it was negated: a filter tested positively picks the exempt containers. */
  private readonly exemptionTests: boolean[] = [];
  /** Inside `!has(c.f) || …` (or `has(c.f) && …` where the bad elements are picked) for fields ephemeral containers cannot set. */
  private readonly onlyWith: ControlId[] = [];

  constructor(
    private readonly analysis: ReadAnalysis,
    private readonly expr: CelExpr,
    use: UseContext = TOP,
  ) {
    this.negated = use.negated;
    this.existential = use.existential ? 1 : 0;
    this.selecting = use.selecting ? 1 : 0;
  }

  private at(n: CelNode): SourceRef {
    return this.expr.source.at(n.start);
  }

  eval(n: CelNode, env: Env): Val {
    return this.analysis.budget.run(() => this.evalNode(n, env));
  }

  private evalNode(n: CelNode, env: Env): Val {
    switch (n.op) {
      case 'value':
        return typeof n.args === 'string' ? { paths: [], strings: [n.args] } : EMPTY;
      case 'id':
        return env.get(n.args) ?? (n.args === 'object' ? this.root(n) : EMPTY);
      case '.':
      case '.?': {
        const [base, field] = n.args;
        if (base.op === 'id' && base.args === 'variables' && !env.has('variables')) return this.variable(field, n);
        if (isExemptImages(base, field, env)) return EXEMPTION;
        return this.select(this.eval(base, env), [field], n);
      }
      case '[]':
      case '[?]':
        return this.index(n.args[0], n.args[1], n, env);
      case 'call': {
        const [name, args] = n.args;
        if (name !== 'has') return this.call(name, args.map((a) => this.eval(a, env)), n, args);
        // `has(f)` demands the field exist, like Kyverno's "?*"; `!has(f)` forbids it.
        for (const a of args) this.presence(this.eval(a, env), !this.negated && this.filtering === 0);
        return EMPTY;
      }
      case 'rcall':
        return this.rcall(n, n.args[0], n.args[1], n.args[2], env);
      case 'list':
        return union(n.args.map((a) => this.eval(a, env)));
      case 'map':
        return union(n.args.flatMap(([k, v]) => [this.eval(k, env), this.eval(v, env)]));
      case '?:': {
        // `cond ? x : true` (or `cond ? true : x`) checks x where cond holds; `cond ? false : true` is `!cond`.
        const [, then, otherwise] = n.args;
        const selects = (isTrue(then) && !isBool(otherwise)) || (isTrue(otherwise) && !isBool(then));
        if (selects) this.selecting++;
        this.consume(this.eval(n.args[0], env));
        if (selects) this.selecting--;
        return union([this.eval(n.args[1], env), this.eval(n.args[2], env)]);
      }
      case '||':
      case '&&': {
        const guard = this.unsettableGuard(n.op, n.args, env);
        if (guard) this.onlyWith.push(guard);
        try {
          for (const a of n.args) this.consume(this.eval(a, env));
        } finally {
          if (guard) this.onlyWith.pop();
        }
        return EMPTY;
      }
      case '!_': {
        this.negated = !this.negated;
        this.consume(this.eval(n.args, env));
        this.negated = !this.negated;
        return EMPTY;
      }
      case '-_':
        return this.eval(n.args, env);
      default: {
        // Comparisons consume both sides; arithmetic keeps them (`+` concatenates container lists).
        const sides = n.args.map((a) => this.eval(a, env));
        if (!COMPARISONS.has(n.op)) return union(sides);
        // Compared with the exemption list, both sides are the exemption test.
        if (sides.some((s) => s.exemption)) this.consume(EXEMPTION);
        else for (const s of sides) this.consume(s);
        return EMPTY;
      }
    }
  }

  consume(v: Val): void {
    if (v.exemption) {
      this.exemptionTests.push(this.negated);
      return;
    }
    this.reach(v);
    for (const p of v.paths) this.record(classifyPodPath(p.segs), p.at);
  }

  /**
   * The container lists in `v` are used for their elements (iterated, indexed, compared): the place
   * each is named is where a gap in it is pointed at. Counting a list (`size()`) reaches no container.
   */
  private reach(v: Val): void {
    for (const p of v.paths) {
      for (const r of classifyPodPath(p.segs)) if (r.location !== 'pod' && r.field === '') this.out.listRefs[r.location] ??= p.at;
    }
  }

  private presence(v: Val, required = false): void {
    const extra: Partial<Check> = required ? { requiresPresence: true, presenceOnly: true } : {};
    for (const p of v.paths) this.record(classifyPodPath(p.segs).filter(atOrBelowControlField), p.at, extra);
  }

  /**
   * The operand of `!has(c.f) || x` (must hold) or `has(c.f) && x` (negated, or picking elements in a
   * filter) that limits x to containers setting `f`, when every control of `f` is one an ephemeral
   * container cannot set (resources, probes, ports, lifecycle): that control.
   */
  private unsettableGuard(op: '||' | '&&', args: CelNode[], env: Env): ControlId | undefined {
    const wantNegated = op === '||' && !this.negated && this.filtering === 0;
    if (!wantNegated && !(op === '&&' && (this.negated || this.filtering > 0))) return undefined;
    for (const a of args) {
      const test = wantNegated ? (a.op === '!_' ? a.args : undefined) : a;
      const tested = test?.op === 'call' && test.args[0] === 'has' ? test.args[1][0] : test?.op === 'rcall' && test.args[0] === 'hasValue' ? test.args[1] : undefined;
      if (!tested) continue;
      const fields = this.eval(tested, env).paths.flatMap((p) => classifyPodPath(p.segs)).filter((r) => r.location !== 'pod');
      const controls = fields.flatMap((r) => controlsForContainerField(r.field));
      if (fields.length > 0 && controls.length > 0 && controls.every((c) => !control(c).ephemeralSettable)) return controls[0];
    }
    return undefined;
  }

  private record(reads: FieldRead[], at: SourceRef, extra: Partial<Check> = {}): void {
    if (this.selecting > 0) return;
    const guarded = this.onlyWith.length ? { ...extra, onlyWith: this.onlyWith[this.onlyWith.length - 1] } : extra;
    const checks = checksFor(reads, at, this.existential > 0 ? { ...guarded, existential: true } : guarded);
    this.analysis.budget.steps(checks.length);
    this.out.checks.push(...checks);
    if (checks.some((c) => c.location === 'pod')) this.out.listRefs.pod ??= at;
  }

  private root(n: CelNode): Val {
    return { paths: [{ segs: [], at: this.at(n) }], strings: [] };
  }

  private select(base: Val, fields: string[], n: CelNode): Val {
    const at = this.at(n);
    const paths = base.paths.flatMap((p) => fields.map((f) => ({ segs: [...p.segs, f], at })));
    return union([{ paths, strings: [], ...(base.exemption ? { exemption: true as const } : {}) }]);
  }

  private index(baseNode: CelNode, keyNode: CelNode, n: CelNode, env: Env): Val {
    const base = this.eval(baseNode, env);
    const key = this.eval(keyNode, env);
    this.consume({ paths: key.paths, strings: [] });
    if (key.strings.length > 0) return this.select(base, key.strings, n);
    if (keyNode.op === 'value' || base.paths.every((p) => isListPath(p.segs))) {
      this.reach(base);
      return base; // a list element
    }
    // A computed key: harmless below a field, but over the pod spec it could pick any container list.
    const known = base.paths.filter((p) => p.segs[p.segs.length - 1] !== 'spec');
    if (known.length < base.paths.length) {
      this.out.unanalyzable.push({ reason: 'a computed key selects a field of the pod spec', at: this.at(n) });
    }
    return this.select({ paths: known, strings: [] }, [ANY_KEY], n);
  }

  private rcall(n: CelNode, name: string, recvNode: CelNode, args: CelNode[], env: Env): Val {
    if (name === 'bind' && recvNode.op === 'id' && recvNode.args === 'cel' && !env.has('cel') && args.length === 3 && args[0]!.op === 'id') {
      // `cel.bind(name, init, body)`: the name stands for the value of `init` in the body.
      const inner: Env = new Map(env);
      inner.set(args[0]!.args, this.eval(args[1]!, env));
      return this.eval(args[2]!, inner);
    }
    if (MACROS.has(name) && args.length >= 2 && args[0]!.op === 'id') return this.macro(name, recvNode, args, env);
    // `sets.contains(a, b)`, `optional.of(x)`, `myext.check(x)`: a function of a library, not a method.
    if (recvNode.op === 'id' && !VALUE_ROOTS.has(recvNode.args) && !env.has(recvNode.args)) {
      return this.call(`${recvNode.args}.${name}`, args.map((a) => this.eval(a, env)), n, args);
    }
    const recv = this.eval(recvNode, env);
    if (name === 'hasValue') {
      this.presence(recv, !this.negated && this.filtering === 0);
      return EMPTY;
    }
    return this.call(name, [recv, ...args.map((a) => this.eval(a, env))], n, [recvNode, ...args]);
  }

  /**
   * Known functions and methods (orValue, startsWith, size, matches…) keep what they are given.
   * An unknown one handed part of the Pod could check it or not: unanalyzable (once per function,
   * naming the argument as written and the fields it stands for), and not a read.
   */
  private call(name: string, vals: Val[], n: CelNode, argNodes: CelNode[]): Val {
    // The number of containers says nothing about any of them.
    if (name === 'size') return union(vals.map((v) => ({ ...v, paths: v.paths.filter((p) => !isListPath(p.segs)) })));
    if (KNOWN_FUNCTIONS.has(name) || IMAGE_DATA.has(name)) return union(vals);
    if (EXTERNAL_DATA.has(name)) return EMPTY;
    const i = vals.findIndex((v) => v.paths.some((p) => isPodPart(p.segs)));
    if (i < 0) return union(vals);
    const reason = `the CEL function ${name}() is not one polcov can follow, and it is given ${this.describe(vals[i]!, argNodes[i])}`;
    if (!this.out.unanalyzable.some((u) => u.reason.startsWith(`the CEL function ${name}() `))) {
      this.out.unanalyzable.push({ reason, at: this.at(n) });
    }
    return EMPTY;
  }

  /** `c.image` (object.spec.containers.image, object.spec.initContainers.image): the argument and what it reads. */
  private describe(v: Val, node: CelNode | undefined): string {
    const paths = [...new Set(v.paths.filter((p) => isPodPart(p.segs)).map((p) => (p.segs.length === 0 ? 'object' : `object.${p.segs.join('.')}`)))];
    const named = paths.slice(0, MAX_NAMED_PATHS).join(', ') + (paths.length > MAX_NAMED_PATHS ? ', …' : '');
    const written = node ? snippet(this.expr, node) : undefined;
    return written && written !== paths[0] ? `\`${written}\` (${named})` : named;
  }

  /** `all`, `exists`, `map`, `filter`…: the iteration variable stands for the list's elements. */
  private macro(name: string, recvNode: CelNode, args: CelNode[], env: Env): Val {
    const recv = this.eval(recvNode, env);
    this.reach(recv);
    const twoVars = name.startsWith('transform') || (args.length === 3 && !['map', 'filter', 'sortBy', 'optMap', 'optFlatMap'].includes(name));
    const names = args.slice(0, twoVars ? 2 : 1).map((a) => (a.op === 'id' ? a.args : ''));
    const body = args.slice(names.length);
    const inner: Env = new Map(env);
    if (twoVars) inner.set(names[0]!, EMPTY); // the index or key
    inner.set(names[names.length - 1]!, recv);
    const [first, second] = body;
    if (name === 'filter' || name === 'sortBy') {
      // A filter's predicate tests the element; a sort key only orders the list.
      const tests = this.exemptionTests.length;
      this.filtering++;
      try {
        const key = this.eval(first!, inner);
        if (name === 'filter') this.consume(key);
      } finally {
        this.filtering--;
      }
      // Kept where the exemption holds: the exempt containers, whose images exempt others.
      const picksExempt = this.exemptionTests.slice(tests).includes(this.negated);
      return picksExempt ? { ...recv, exemption: true } : recv;
    }
    if (name === 'map' || name.startsWith('transform') || name === 'optMap' || name === 'optFlatMap') {
      if (!second) return this.eval(first!, inner);
      this.consume(this.eval(first!, inner));
      return this.eval(second, inner);
    }
    // Some element suffices: over a container list, an extra container cannot break the rule.
    const some = EXISTENTIAL.has(name) !== this.negated;
    const overContainers = some && recv.paths.length > 0 && recv.paths.every((p) => isListPath(p.segs));
    if (overContainers) this.existential++;
    for (const b of body) this.consume(this.eval(b, inner));
    if (overContainers) this.existential--;
    return EMPTY;
  }

  private variable(name: string, n: CelNode): Val {
    const v = this.analysis.variable(name, { negated: this.negated, existential: this.existential > 0, selecting: this.selecting > 0 });
    // Gatekeeper predefines variables.anyObject: the object, or oldObject on DELETE.
    if (!v) return name === 'anyObject' ? this.root(n) : EMPTY;
    this.analysis.budget.steps(v.reads.checks.length);
    this.out.checks.push(...v.reads.checks);
    this.out.unanalyzable.push(...v.reads.unanalyzable.filter((u) => !this.out.unanalyzable.some((o) => o.reason === u.reason)));
    for (const [l, r] of Object.entries(v.reads.listRefs) as [Location, SourceRef][]) this.out.listRefs[l] ??= r;
    return v.val;
  }
}

/** Checks without exact repeats: a variable used twice replays its reads once. */
function uniqueChecks(checks: Check[]): Check[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const k = JSON.stringify(c);
    return !seen.has(k) && !!seen.add(k);
  });
}
