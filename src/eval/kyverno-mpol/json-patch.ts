/**
 * RFC 6902 JSON Patch (`add`, `remove`, `replace`, `move`, `copy`, `test`) over JSON values, with
 * RFC 6901 pointers (`~1` is `/`, `~0` is `~`, `-` appends to an array). A patch that cannot apply
 * throws: Kubernetes rejects the whole mutation then.
 */
import { deepEqual } from '../kyverno/values';

type Json = unknown;
type Container = Record<string, Json> | Json[];

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${JSON.stringify(pointer)} must start with /`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isContainer = (v: Json): v is Container => !!v && typeof v === 'object';
const isObject = (v: Json): v is Record<string, Json> => isContainer(v) && !Array.isArray(v);

function index(arr: Json[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new Error(`invalid array index ${token}`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`array index ${i} out of bounds`);
  return i;
}

/** The container holding the pointer's last token, and that token. */
function parentOf(doc: Json, pointer: string): [Container, string] {
  const path = tokens(pointer);
  if (path.length === 0) throw new Error('the root cannot be patched here');
  let cur = doc;
  for (const t of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new Error(`path ${pointer} does not exist`);
  }
  if (!isContainer(cur)) throw new Error(`path ${pointer} does not exist`);
  return [cur, path[path.length - 1]!];
}

function get(doc: Json, pointer: string): Json {
  let cur = doc;
  for (const t of tokens(pointer)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, false)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new Error(`path ${pointer} does not exist`);
  }
  return cur;
}

function add(doc: Json, pointer: string, value: Json): Json {
  if (pointer === '') return value;
  const [parent, key] = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(index(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: Json, pointer: string): Json {
  const [parent, key] = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(index(parent, key, false), 1);
  else if (Object.hasOwn(parent, key)) delete parent[key];
  else throw new Error(`path ${pointer} does not exist`);
  return doc;
}

/** A deep copy of JSON data, built in this realm (structuredClone's objects fail CEL's plain-object checks under jest's VM). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

/** Applies the operations in order to a copy of `doc`. */
export function applyJsonPatch(doc: Json, ops: readonly JsonPatchOp[]): Json {
  let out = clone(doc);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        out = add(out, op.path, clone(op.value));
        break;
      case 'remove':
        out = remove(out, op.path);
        break;
      case 'replace':
        get(out, op.path);
        out = op.path === '' ? clone(op.value) : add(remove(out, op.path), op.path, clone(op.value));
        break;
      case 'move': {
        const from = op.from ?? '';
        if (op.path.startsWith(`${from}/`)) throw new Error(`cannot move ${from} into its own child ${op.path}`);
        const v = get(out, from);
        out = add(remove(out, from), op.path, v);
        break;
      }
      case 'copy':
        out = add(out, op.path, clone(get(out, op.from ?? '')));
        break;
      case 'test':
        if (!deepEqual(get(out, op.path), op.value)) throw new Error(`test operation at ${op.path} failed`);
        break;
      default:
        throw new Error(`unknown JSON Patch op ${JSON.stringify(op.op)}`);
    }
  }
  return out;
}
