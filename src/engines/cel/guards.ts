/**
 * Does an expression decide the `kubectl debug` request on its own? It is evaluated three-valued
 * for the request that adds an ephemeral container: UPDATE on pods/ephemeralcontainers, with an
 * old object. Only request attributes are known; anything about the Pod is unknown. A validation
 * that is true for that request whatever the Pod (`request.operation == "UPDATE" || …`) never
 * checks ephemeral containers; a match condition that is false for it skips the whole policy.
 */
import type { CelExpr, Variable } from './expressions';
import type { CelNode } from './parse';

/** The sub-expression that settled the outcome, and the expression it belongs to. */
export interface Decider {
  node: CelNode;
  expr: CelExpr;
}

type Known =
  | { t: 'bool'; v: boolean; by?: Decider }
  | { t: 'str'; v: string }
  | { t: 'strs'; v: string[] }
  | { t: 'null' }
  | { t: 'object' };
type G = Known | undefined;

/** The attributes of the kubectl debug request, by path under `request`. */
const REQUEST: Record<string, string> = {
  operation: 'UPDATE',
  subResource: 'ephemeralcontainers',
  'resource.resource': 'pods',
  'kind.kind': 'Pod',
};

/** `request.operation` → ['request', 'operation']; anything but a plain selection chain → undefined. */
function dotted(n: CelNode): string[] | undefined {
  if (n.op === 'id') return [n.args];
  if (n.op !== '.' && n.op !== '.?') return undefined;
  const base = dotted(n.args[0]);
  return base && [...base, n.args[1]];
}

function equal(a: Known, b: Known): boolean | undefined {
  if (a.t === 'str' && b.t === 'str') return a.v === b.v;
  if (a.t === 'null' || b.t === 'null') return a.t === b.t;
  if ((a.t === 'str' && b.t === 'object') || (a.t === 'object' && b.t === 'str')) return false;
  return undefined;
}

export class DebugRequestGuards {
  private readonly memo = new Map<string, G>();
  private readonly active = new Set<string>();

  constructor(private readonly variables: Map<string, Variable>) {}

  /** What makes `e` true for every kubectl debug request, if it is. */
  alwaysTrue(e: CelExpr): Decider | undefined {
    return this.decided(e, true);
  }

  /** What makes `e` false for every kubectl debug request, if it is. */
  alwaysFalse(e: CelExpr): Decider | undefined {
    return this.decided(e, false);
  }

  private decided(e: CelExpr, value: boolean): Decider | undefined {
    const r = e.ast && this.eval(e.ast, e);
    return r?.t === 'bool' && r.v === value ? r.by : undefined;
  }

  private eval(n: CelNode, e: CelExpr): G {
    const by = (v: boolean): Known => ({ t: 'bool', v, by: { node: n, expr: e } });
    switch (n.op) {
      case 'value':
        if (typeof n.args === 'boolean') return { t: 'bool', v: n.args };
        if (typeof n.args === 'string') return { t: 'str', v: n.args };
        return n.args === null ? { t: 'null' } : undefined;
      case 'id':
        return n.args === 'object' || n.args === 'oldObject' ? { t: 'object' } : undefined;
      case 'list': {
        const items = n.args.map((a) => this.eval(a, e));
        return items.every((i) => i?.t === 'str') ? { t: 'strs', v: items.map((i) => (i as { v: string }).v) } : undefined;
      }
      case '.':
      case '.?': {
        const [root, ...rest] = dotted(n) ?? [];
        if (root === 'request') {
          const v = REQUEST[rest.join('.')];
          return v === undefined ? undefined : { t: 'str', v };
        }
        return root === 'variables' && rest.length === 1 ? this.variable(rest[0]!) : undefined;
      }
      case 'call': {
        const [name, args] = n.args;
        const path = args[0] && dotted(args[0]);
        return name === 'has' && path?.[0] === 'request' && REQUEST[path.slice(1).join('.')] ? by(true) : undefined;
      }
      case 'rcall': {
        const [name, recvNode, args] = n.args;
        const recv = this.eval(recvNode, e);
        if (name === 'orValue' || name === 'value') return recv;
        const arg = args[0] && this.eval(args[0], e);
        if (recv?.t !== 'str' || arg?.t !== 'str') return undefined;
        if (name === 'startsWith') return by(recv.v.startsWith(arg.v));
        if (name === 'endsWith') return by(recv.v.endsWith(arg.v));
        if (name === 'contains') return by(recv.v.includes(arg.v));
        return undefined;
      }
      case '==':
      case '!=': {
        const a = this.eval(n.args[0], e);
        const b = this.eval(n.args[1], e);
        const eq = a && b ? equal(a, b) : undefined;
        return eq === undefined ? undefined : by(n.op === '==' ? eq : !eq);
      }
      case 'in': {
        const a = this.eval(n.args[0], e);
        const b = this.eval(n.args[1], e);
        return a?.t === 'str' && b?.t === 'strs' ? by(b.v.includes(a.v)) : undefined;
      }
      case '!_': {
        const a = this.eval(n.args, e);
        return a?.t === 'bool' ? { ...a, v: !a.v } : undefined;
      }
      case '&&':
      case '||': {
        // CEL's logical operators are commutative: a decisive side wins even if the other is unknown.
        const decisive = n.op === '||';
        const [a, b] = n.args.map((x) => this.eval(x, e));
        const hit = [a, b].find((x) => x?.t === 'bool' && x.v === decisive);
        if (hit) return hit;
        if (a?.t !== 'bool' || b?.t !== 'bool') return undefined;
        const decider = a.by ?? b.by;
        return decider ? { t: 'bool', v: !decisive, by: decider } : { t: 'bool', v: !decisive };
      }
      case '?:': {
        const c = this.eval(n.args[0], e);
        if (c?.t !== 'bool') return undefined;
        const branch = this.eval(c.v ? n.args[1] : n.args[2], e);
        // `guard ? true : check`: the outcome is the guard's doing.
        return branch?.t === 'bool' && !branch.by && c.by ? { ...branch, by: c.by } : branch;
      }
      default:
        return undefined;
    }
  }

  private variable(name: string): G {
    const v = this.variables.get(name);
    if (!v?.ast || this.active.has(name)) return undefined;
    if (!this.memo.has(name)) {
      this.active.add(name);
      this.memo.set(name, this.eval(v.ast, v));
      this.active.delete(name);
    }
    return this.memo.get(name);
  }
}
