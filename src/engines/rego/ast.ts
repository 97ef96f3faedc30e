/**
 * AST for polcov's Rego parser (Rego v0 and v1).
 *
 * Every node is a plain object with a string `type` discriminator, a `pos`
 * (start) and an `end` (position just after the node's last character).
 * Positions are `{ line, column, offset }`: `line`/`column` are 1-based,
 * `offset` is a 0-based UTF-16 index into the source string, so
 * `source.slice(node.pos.offset, node.end.offset)` is the node's text.
 *
 * Shape overview
 * --------------
 * Module      { package: Package; imports: Import[]; rules: Rule[]; v1; keywords; keywordsWithoutImport; comments }
 * Package     { path: Ref; segments: string[] }             `package a.b["c"]`
 * Import      { path: Ref; alias?: string }                 `import data.x as y`
 * Rule        { kind; name; head: Ref; key?; value?; args?; assign?; bodies: Body[];
 *               else?: Rule; default: boolean; ifKeyword; containsKeyword }
 *   kind (syntactic):
 *     'default'        `default p := v` (also `default f(_) := v`)
 *     'function'       `f(x) { }`, `f(x) := y if { }`
 *     'partialSet'     `p[x] { }` (v0 only), `p contains x if { }`, `a.b[k] contains x`
 *     'partialObject'  `p[k] = v { }`; in v1 also `p[k] if { }` (value implicitly true)
 *     'complete'       `p = v { }`, `p if c`, `p { }`, `a.b.c := 1`
 *   `name` is the first segment of the head (`a` for `a.b.c[x]`), `head` the whole ref.
 *   `key` is the last bracket of the head for partialSet/partialObject (or the
 *   term after `contains`), `value` the term after `=` / `:=` (undefined means
 *   the implicit value `true`). `bodies` has one entry per `{ }` block (`p { a } { b }`
 *   is two alternative bodies) or a single body for `p if expr`; it is `[]` for
 *   rules without a body (`p := 1`, `default ...`, `p contains "x"`, `else := 3`).
 *   `else` is a Rule with the same kind/name/head/args as the rule it belongs to.
 * Body        { exprs: Expr[] }
 * Expr  (all carry `with: With[]`):
 *   TermExpr   { term }                        `count(x) > 0`, `x in xs`, `input.a`
 *   NotExpr    { expr }                        `not f(x)`
 *   SomeDecl   { vars: Var[] }                 `some x, y`
 *   SomeIn     { key?; value; collection }     `some x in xs`, `some k, v in obj`
 *   EveryExpr  { key?: Var; value: Var; domain; body }
 *   AssignExpr { left; right }                 `:=`
 *   UnifyExpr  { left; right }                 `=`
 * With        { target: Term; value: Term }    `with input.a as b`
 * Term:
 *   StringTerm { value; raw }                  `"a\n"` (value unescaped), `` `raw` `` (raw: true)
 *   NumberTerm { value: number; text }         `-1.5e3` (text is the source spelling)
 *   BooleanTerm, NullTerm
 *   Var        { name }                        `_` is a Var named "_"
 *   Ref        { head: Term; path: RefArg[] }  head is a Var, Call, or composite
 *   RefArg  =  RefDot { name } | RefBracket { term }
 *   Call       { operator: Ref; name; args }    name is the dotted operator, e.g. "object.get"
 *   ArrayTerm  { items }, SetTerm { items } (`set()` is an empty SetTerm),
 *   ObjectTerm { entries: ObjectEntry[] }      `{}` is an empty ObjectTerm
 *   ArrayComprehension { term; body }, SetComprehension { term; body },
 *   ObjectComprehension { key; value; body }
 *   BinaryTerm { op; left; right }             `+ - * / % | & == != < <= > >=`
 *   UnaryTerm  { op: '-'; operand }            `-x` (negative literals are NumberTerms)
 *   Membership { key?; value; collection }     `x in xs`, `k, v in xs`
 * Parenthesised terms are represented by their inner term with `parens: true`;
 * its pos/end then cover the parentheses too.
 * Position objects may be shared between nodes (e.g. a BinaryTerm's `pos` is
 * its left operand's `pos`); treat them as immutable.
 */

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 code units). */
  column: number;
  /** 0-based offset into the source. */
  offset: number;
}

export interface NodeBase {
  pos: Position;
  end: Position;
}

// ---------------------------------------------------------------- terms

export interface StringTerm extends NodeBase {
  type: 'string';
  /** The string's value (escapes decoded). */
  value: string;
  /** True for backtick raw strings. */
  raw: boolean;
  parens?: boolean;
}

export interface NumberTerm extends NodeBase {
  type: 'number';
  value: number;
  /** Source spelling, including a leading '-' for negative literals. */
  text: string;
  parens?: boolean;
}

export interface BooleanTerm extends NodeBase {
  type: 'boolean';
  value: boolean;
  parens?: boolean;
}

export interface NullTerm extends NodeBase {
  type: 'null';
  parens?: boolean;
}

export type ScalarTerm = StringTerm | NumberTerm | BooleanTerm | NullTerm;

export interface Var extends NodeBase {
  type: 'var';
  name: string;
  parens?: boolean;
}

export interface RefDot extends NodeBase {
  type: 'dot';
  name: string;
}

export interface RefBracket extends NodeBase {
  type: 'bracket';
  term: Term;
}

export type RefArg = RefDot | RefBracket;

export interface Ref extends NodeBase {
  type: 'ref';
  /** Var for ordinary refs; Call for `f(x).y`; a composite for `[1, 2][0]`. */
  head: Term;
  path: RefArg[];
  parens?: boolean;
}

export interface Call extends NodeBase {
  type: 'call';
  /** The function reference (a Var head plus dot segments), e.g. `object.get`. */
  operator: Ref;
  /** Dotted operator name, e.g. "object.get", "count", "data.lib.f". */
  name: string;
  args: Term[];
  parens?: boolean;
}

export interface ArrayTerm extends NodeBase {
  type: 'array';
  items: Term[];
  parens?: boolean;
}

export interface SetTerm extends NodeBase {
  type: 'set';
  items: Term[];
  parens?: boolean;
}

export interface ObjectEntry extends NodeBase {
  type: 'entry';
  key: Term;
  value: Term;
}

export interface ObjectTerm extends NodeBase {
  type: 'object';
  entries: ObjectEntry[];
  parens?: boolean;
}

export interface ArrayComprehension extends NodeBase {
  type: 'arrayComprehension';
  term: Term;
  body: Body;
  parens?: boolean;
}

export interface SetComprehension extends NodeBase {
  type: 'setComprehension';
  term: Term;
  body: Body;
  parens?: boolean;
}

export interface ObjectComprehension extends NodeBase {
  type: 'objectComprehension';
  key: Term;
  value: Term;
  body: Body;
  parens?: boolean;
}

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '|'
  | '&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>=';

export interface BinaryTerm extends NodeBase {
  type: 'binary';
  op: BinaryOp;
  left: Term;
  right: Term;
  parens?: boolean;
}

export interface UnaryTerm extends NodeBase {
  type: 'unary';
  op: '-';
  operand: Term;
  parens?: boolean;
}

/** `value in collection` or `key, value in collection`. */
export interface Membership extends NodeBase {
  type: 'membership';
  key?: Term;
  value: Term;
  collection: Term;
  parens?: boolean;
}

export type Term =
  | ScalarTerm
  | Var
  | Ref
  | Call
  | ArrayTerm
  | SetTerm
  | ObjectTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | BinaryTerm
  | UnaryTerm
  | Membership;

// ---------------------------------------------------------- expressions

export interface With extends NodeBase {
  type: 'with';
  target: Term;
  value: Term;
}

interface ExprBase extends NodeBase {
  /** `with` modifiers applied to this expression (empty when none). */
  with: With[];
}

export interface TermExpr extends ExprBase {
  type: 'termExpr';
  term: Term;
}

export interface NotExpr extends ExprBase {
  type: 'not';
  expr: Expr;
}

export interface SomeDecl extends ExprBase {
  type: 'some';
  vars: Var[];
}

export interface SomeIn extends ExprBase {
  type: 'someIn';
  key?: Term;
  value: Term;
  collection: Term;
}

export interface EveryExpr extends ExprBase {
  type: 'every';
  key?: Var;
  value: Var;
  domain: Term;
  body: Body;
}

export interface AssignExpr extends ExprBase {
  type: 'assign';
  left: Term;
  right: Term;
}

export interface UnifyExpr extends ExprBase {
  type: 'unify';
  left: Term;
  right: Term;
}

export type Expr = TermExpr | NotExpr | SomeDecl | SomeIn | EveryExpr | AssignExpr | UnifyExpr;

export interface Body extends NodeBase {
  type: 'body';
  exprs: Expr[];
}

// ---------------------------------------------------------------- module

export type RuleKind = 'default' | 'complete' | 'partialSet' | 'partialObject' | 'function';

export interface Rule extends NodeBase {
  type: 'rule';
  kind: RuleKind;
  /** First segment of the head ref (`a` for `a.b.c[x]`). */
  name: string;
  /** Full head reference, including a trailing `[key]` if present. */
  head: Ref;
  /** Set element (partialSet) or object key (partialObject). */
  key?: Term;
  /** Value after `=` / `:=`; undefined means the implicit value `true`. */
  value?: Term;
  /** Function arguments (patterns: any term). Only for functions / default functions. */
  args?: Term[];
  /** Operator used before the value, if any. */
  assign?: '=' | ':=';
  /** One Body per `{ }` block (alternatives) or per `if expr`; [] when bodiless. */
  bodies: Body[];
  else?: Rule;
  /** True for `default` rules (same as kind === 'default'). */
  default: boolean;
  /** Whether the `if` keyword introduced the body. */
  ifKeyword: boolean;
  /** Whether the `contains` keyword was used. */
  containsKeyword: boolean;
}

export interface Package extends NodeBase {
  type: 'package';
  /** `data` is implicit: for `package a.b` the ref is `a.b`. */
  path: Ref;
  /** Static path segments, e.g. ["a", "b"]. */
  segments: string[];
}

export interface Import extends NodeBase {
  type: 'import';
  path: Ref;
  alias?: string;
}

export interface Comment extends NodeBase {
  type: 'comment';
  /** Text after the `#`. */
  text: string;
}

export type FutureKeyword = 'in' | 'if' | 'contains' | 'every';

export interface Module extends NodeBase {
  type: 'module';
  package: Package;
  imports: Import[];
  rules: Rule[];
  /** True when parsed with `{ version: 'v1' }` or the module imports `rego.v1`. */
  v1: boolean;
  /** Keywords enabled by imports / v1: subset of in, if, contains, every. */
  keywords: Set<FutureKeyword>;
  /**
   * Keywords used where they were not enabled (the parser accepts them in every mode), in source
   * order. OPA rejects such a module as Rego v0; empty for v1.
   */
  keywordsWithoutImport: { keyword: FutureKeyword; pos: Position }[];
  comments: Comment[];
}

export type Node =
  | Module
  | Package
  | Import
  | Rule
  | Body
  | Expr
  | With
  | Term
  | RefArg
  | ObjectEntry
  | Comment;
