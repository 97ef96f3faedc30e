/**
 * Rego values as the evaluator holds them: JSON scalars and arrays as JavaScript values, objects as
 * RegoObject (keys may be any value, not only strings) and sets as RegoSet. Both keep their
 * entries by a canonical key string and iterate in Rego's sort order, as OPA does. Values are
 * never changed once built. `fromJSON` turns caller data into values, `toJSON` turns results back
 * (sets become sorted arrays, non-string object keys their JSON text).
 */

export type Value = null | boolean | number | string | Value[] | RegoObject | RegoSet;

/** Canonical key: a string is its own key; anything else (or a string starting with \u0001) is marked. */
export function keyOf(v: Value): string {
  if (typeof v === 'string' && v.charCodeAt(0) !== 1) return v;
  return `\u0001${canonical(v)}`;
}

function canonical(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return `#${v}`;
    case 'string':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof RegoSet) return `<${v.values().map(canonical).join(',')}>`;
  return `{${v.entries().map(([k, x]) => `${canonical(k)}:${canonical(x)}`).join(',')}}`;
}

export class RegoSet {
  private readonly items = new Map<string, Value>();
  private sorted: Value[] | undefined;

  constructor(values: Iterable<Value> = []) {
    for (const v of values) this.add(v);
  }

  add(v: Value): void {
    const k = keyOf(v);
    if (this.items.has(k)) return;
    this.items.set(k, v);
    this.sorted = undefined;
  }

  has(v: Value): boolean {
    return this.items.has(keyOf(v));
  }

  get size(): number {
    return this.items.size;
  }

  /** The elements in Rego's sort order. */
  values(): Value[] {
    if (!this.sorted) this.sorted = [...this.items.values()].sort(compare);
    return this.sorted;
  }
}

export class RegoObject {
  private readonly items = new Map<string, [Value, Value]>();
  private sorted: [Value, Value][] | undefined;

  constructor(entries: Iterable<[Value, Value]> = []) {
    for (const [k, v] of entries) this.set(k, v);
  }

  set(k: Value, v: Value): void {
    this.items.set(keyOf(k), [k, v]);
    this.sorted = undefined;
  }

  get(k: Value): Value | undefined {
    return this.items.get(keyOf(k))?.[1];
  }

  has(k: Value): boolean {
    return this.items.has(keyOf(k));
  }

  get size(): number {
    return this.items.size;
  }

  /** The entries in the sort order of their keys. */
  entries(): [Value, Value][] {
    if (!this.sorted) this.sorted = [...this.items.values()].sort((a, b) => compare(a[0], b[0]));
    return this.sorted;
  }

  keys(): Value[] {
    return this.entries().map(([k]) => k);
  }
}

/** Rego's type order: null < boolean < number < string < array < object < set. */
function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
  }
  if (Array.isArray(v)) return 4;
  return v instanceof RegoObject ? 5 : 6;
}

function compareLists(a: Value[], b: Value[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compare(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** The total order OPA sorts values by. */
export function compare(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
    case 2:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 4:
      return compareLists(a as Value[], b as Value[]);
    case 5: {
      const ea = (a as RegoObject).entries();
      const eb = (b as RegoObject).entries();
      for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
        const c = compare(ea[i]![0], eb[i]![0]) || compare(ea[i]![1], eb[i]![1]);
        if (c !== 0) return c;
      }
      return ea.length - eb.length;
    }
    default:
      return compareLists((a as RegoSet).values(), (b as RegoSet).values());
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return compare(a, b) === 0;
}

/** OPA's type names (`type_name`). */
export function typeName(v: Value): string {
  return ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'][rank(v)]!;
}

/** Caller data (JSON-like) as a Rego value; undefined stays undefined. */
export function fromJSON(x: unknown): Value | undefined {
  if (x === undefined) return undefined;
  if (x === null || typeof x === 'boolean' || typeof x === 'string') return x;
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  if (Array.isArray(x)) return x.map((e) => fromJSON(e) ?? null);
  if (x instanceof RegoSet || x instanceof RegoObject) return x;
  if (x instanceof Set) return new RegoSet([...x].map((e) => fromJSON(e) ?? null));
  if (x instanceof Map) return new RegoObject([...x].map(([k, v]) => [fromJSON(k) ?? null, fromJSON(v) ?? null] as [Value, Value]));
  if (typeof x === 'object') {
    const o = new RegoObject();
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) if (v !== undefined) o.set(k, fromJSON(v) ?? null);
    return o;
  }
  return null;
}

/** A Rego value as JSON data: sets become arrays in sort order, non-string object keys their JSON text. */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RegoSet) return v.values().map(toJSON);
  const out: Record<string, unknown> = {};
  for (const [k, x] of v.entries()) out[typeof k === 'string' ? k : formatValue(k)] = toJSON(x);
  return out;
}

/** A number as Go's strconv 'g' shortest form prints it (what OPA shows): 1e+21, 1e-07, 0.5. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** A value as OPA prints a term: strings quoted, sets `{1, 2}` (`set()` when empty), objects `{"a": 1}`. */
export function formatValue(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return String(v);
    case 'number':
      return formatNumber(v);
    case 'string':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (v instanceof RegoSet) return v.size === 0 ? 'set()' : `{${v.values().map(formatValue).join(', ')}}`;
  return `{${v.entries().map(([k, x]) => `${formatValue(k)}: ${formatValue(x)}`).join(', ')}}`;
}

/** JSON text of a value (json.marshal): sets as arrays, keys sorted, no spaces. */
export function marshal(v: Value): string {
  if (v === null || typeof v !== 'object') return typeof v === 'number' ? formatNumber(v) : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(marshal).join(',')}]`;
  if (v instanceof RegoSet) return `[${v.values().map(marshal).join(',')}]`;
  return `{${v.entries().map(([k, x]) => `${JSON.stringify(typeof k === 'string' ? k : formatValue(k))}:${marshal(x)}`).join(',')}}`;
}
