/**
 * JMESPath as Kyverno runs it: `@jmespath-community/jmespath` with Kyverno's custom functions
 * (kyverno/pkg/engine/jmespath), its go-jmespath fork's "Unknown key" error on a plain path whose
 * key is absent, and legacy backtick literals without quotes.
 */
import { compile, registerFunction, TreeInterpreter, TYPE_ANY, type JSONValue } from '@jmespath-community/jmespath';
import { KYVERNO_FUNCTIONS } from './functions';

/** A plain path (`a.b[0].c`) reached a map without the key: Kyverno's go-jmespath `NotFoundError`. */
export class NotFoundError extends Error {
  constructor(readonly key: string) {
    super(`Unknown key "${key}" in path`);
  }
}

let registered = false;
function registerKyvernoFunctions(): void {
  if (registered) return;
  registered = true;
  for (const [name, fn] of Object.entries(KYVERNO_FUNCTIONS)) {
    const signature = Array.from({ length: fn.length }, (_, i) => ({ types: [TYPE_ANY], optional: i >= fn.required }));
    registerFunction(name, (args) => fn.call(args as unknown[]) as JSONValue, signature, { override: true });
  }
}

interface Ast {
  type: string;
  name?: string;
  value?: unknown;
  left?: Ast;
  right?: Ast;
}

const cache = new Map<string, Ast>();

/** go-jmespath reads an invalid JSON backtick literal as a string (`foo` is "foo"). */
function legacyLiterals(expr: string): string {
  return expr.replace(/`((?:[^`\\]|\\.)*)`/g, (whole, body: string) => {
    try {
      JSON.parse(body);
      return whole;
    } catch {
      return `\`${JSON.stringify(body.trim())}\``;
    }
  });
}

function parse(expr: string): Ast {
  let ast = cache.get(expr);
  if (!ast) {
    ast = compile(legacyLiterals(expr)) as unknown as Ast;
    cache.set(expr, ast);
  }
  return ast;
}

const isChain = (n: Ast | undefined): boolean =>
  !!n &&
  (n.type === 'Field' ||
    ((n.type === 'Subexpression' || n.type === 'IndexExpression') && isChain(n.left) && (n.right?.type === 'Field' || n.right?.type === 'Index' || isChain(n.right))));

/** Walks a plain path and throws NotFoundError where a map lacks the key. */
function checkChain(n: Ast, value: unknown): unknown {
  switch (n.type) {
    case 'Field': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
      if (!(n.name! in value)) throw new NotFoundError(n.name!);
      return (value as Record<string, unknown>)[n.name!];
    }
    case 'Index': {
      if (!Array.isArray(value)) return null;
      const i = n.value as number;
      return value[i < 0 ? value.length + i : i] ?? null;
    }
    default:
      return checkChain(n.right!, checkChain(n.left!, value));
  }
}

/** Evaluates `expr` on `data` as Kyverno does; throws on syntax errors, unknown keys and function errors. */
export function query(expr: string, data: unknown): unknown {
  registerKyvernoFunctions();
  const ast = parse(expr.trim());
  if (isChain(ast)) return checkChain(ast, data);
  return TreeInterpreter.search(ast as never, data as JSONValue);
}
