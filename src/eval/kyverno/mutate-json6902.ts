/**
 * Kyverno `mutate.patchesJson6902`: RFC 6902 operations on the resource, with the options Kyverno
 * applies them with (negative indices, missing paths on `remove` ignored, parents created on `add`).
 */
import { parse as parseYaml } from '../../yaml-lib';
import { deepEqual, isMap } from './values';

type Json = Record<string, unknown>;

export class PatchError extends Error {}

const unescape = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw new PatchError(`invalid JSON pointer ${String(path)}`);
  return path === '' ? [] : path.slice(1).split('/').map(unescape);
}

function index(list: unknown[], token: string, forAdd: boolean): number {
  if (token === '-' && forAdd) return list.length;
  if (!/^-?\d+$/.test(token)) throw new PatchError(`invalid array index ${token}`);
  let i = Number(token);
  // For `add`, -1 is after the last element (json-patch's negative indices).
  if (i < 0) i += list.length + (forAdd ? 1 : 0);
  if (i < 0 || i > list.length || (!forAdd && i === list.length)) throw new PatchError(`array index ${token} out of bounds`);
  return i;
}

/** The container of the last token; with `create`, missing maps on the way are made (EnsurePathExistsOnAdd). */
function parentOf(doc: unknown, tokens: string[], create: boolean): unknown {
  let node = doc;
  for (const [n, t] of tokens.slice(0, -1).entries()) {
    const fresh = (): unknown => (/^-?\d+$|^-$/.test(tokens[n + 1]!) ? [] : {});
    if (Array.isArray(node)) {
      // Adding below an element the list lacks (an empty list's `-1`, or `-`) appends a new one.
      if (create && (t === '-' || node.length === 0)) node.push(fresh());
      node = node[t === '-' ? node.length - 1 : index(node, t, false)];
    } else if (isMap(node)) {
      if (!(t in node) || node[t] === null) {
        if (!create) return undefined;
        node[t] = fresh();
      }
      node = node[t];
    } else return undefined;
  }
  return node;
}

function get(doc: unknown, tokens: string[]): unknown {
  const parent = parentOf(doc, tokens, false);
  const last = tokens[tokens.length - 1]!;
  if (tokens.length === 0) return doc;
  if (Array.isArray(parent)) return parent[index(parent, last, false)];
  if (isMap(parent) && last in parent) return parent[last];
  throw new PatchError(`path /${tokens.join('/')} not found`);
}

function add(doc: unknown, tokens: string[], value: unknown): void {
  const parent = parentOf(doc, tokens, true);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(index(parent, last, true), 0, value);
  else if (isMap(parent)) parent[last] = value;
  else throw new PatchError(`cannot add at /${tokens.join('/')}`);
}

/** Removes the target; a missing path is no error (AllowMissingPathOnRemove). */
function remove(doc: unknown, tokens: string[], allowMissing: boolean): unknown {
  const parent = parentOf(doc, tokens, false);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent) && /^-?\d+$/.test(last)) {
    const i = Number(last) < 0 ? Number(last) + parent.length : Number(last);
    if (i >= 0 && i < parent.length) return parent.splice(i, 1)[0];
  } else if (isMap(parent) && last in parent) {
    const v = parent[last];
    delete parent[last];
    return v;
  }
  if (allowMissing) return undefined;
  throw new PatchError(`path /${tokens.join('/')} not found`);
}

/** The operations of a `patchesJson6902` text (a YAML or JSON list). */
export function parseOperations(text: string): Json[] {
  const ops: unknown = parseYaml(text);
  if (!Array.isArray(ops) || !ops.every(isMap)) throw new PatchError('failed to decode patches: a list of operations expected');
  return ops;
}

/** Applies the operations to a copy of the resource; throws PatchError as Kyverno's patcher fails. */
export function applyJson6902(resource: unknown, operations: Json[]): unknown {
  const doc = structuredClone(resource);
  for (const op of operations) {
    const tokens = pointer(op.path);
    if (tokens.length === 0) throw new PatchError('operations on the document root are not supported');
    switch (op.op) {
      case 'add':
        add(doc, tokens, structuredClone(op.value ?? null));
        break;
      case 'remove':
        remove(doc, tokens, true);
        break;
      case 'replace':
        get(doc, tokens);
        remove(doc, tokens, false);
        add(doc, tokens, structuredClone(op.value ?? null));
        break;
      case 'move': {
        const from = pointer(op.from);
        add(doc, tokens, remove(doc, from, false));
        break;
      }
      case 'copy':
        add(doc, tokens, structuredClone(get(doc, pointer(op.from))));
        break;
      case 'test':
        if (!deepEqual(get(doc, tokens), op.value)) throw new PatchError(`testing value /${tokens.join('/')} failed`);
        break;
      default:
        throw new PatchError(`unexpected operation ${String(op.op)}`);
    }
  }
  return doc;
}
