/**
 * Hand-written recursive-descent parser for Rego (v0 and v1).
 *
 * Single pass over the token array produced by `tokenize`, one token of
 * lookahead (two in a few places), no backtracking. Every loop consumes a
 * token or stops, nesting is bounded by MAX_NESTING, and every failure is
 * reported as a RegoSyntaxError.
 *
 * Newline handling: inside rule bodies and comprehension bodies a newline ends
 * an expression unless the expression is syntactically incomplete (a binary
 * operator at the end of a line continues onto the next one; an operator at
 * the start of a line does not continue the previous line). Inside `()`, `[]`
 * and `{}` term syntax newlines are insignificant. Refs and calls require
 * adjacency: `a.b`, `a[0]`, `f(x)` but not `a .b` / `f (x)`.
 *
 * Contextual keywords: `if`, `contains` (rule heads) and `every` (body
 * literals) are recognised by position in every mode; `in` is always an
 * operator. Once enabled (v1, `import rego.v1`, `import future.keywords...`)
 * they may no longer be used as variable names. Where one is used without
 * being enabled, the module records it (`keywordsWithoutImport`): OPA rejects
 * that, and callers decide what it means for them.
 *
 * Not supported / not checked: refs on parenthesised terms (`(x).y`),
 * non-ASCII identifiers, and all semantic checks OPA's compiler performs
 * (variable safety, rule conflicts, `:=` redeclaration, ground default values,
 * `data`/`input` shadowing, deprecated built-ins in v1).
 */

import type {
  BinaryOp,
  Body,
  Call,
  Expr,
  FutureKeyword,
  Import,
  Module,
  ObjectEntry,
  Package,
  Position,
  Ref,
  RefArg,
  Rule,
  RuleKind,
  Term,
  Var,
  With,
} from './ast';
import {
  FLAG_NL,
  FLAG_WS,
  RegoSyntaxError,
  RegoTooDeep,
  TK_EOF,
  TK_IDENT,
  TK_NUMBER,
  TK_PUNCT,
  TK_RAWSTRING,
  TK_STRING,
  tokenize,
  type TokenBuffer,
} from './lexer';
import { textMemo } from '../../text-memo';

/** Tokens are referred to by their index into the TokenBuffer. */
type Tok = number;

export { parseFailure, RegoSyntaxError, RegoTooDeep } from './lexer';

export interface ParseOptions {
  /** Rego language version. Default 'v0' (Gatekeeper's default); `import rego.v1` switches a module to v1. */
  version?: 'v0' | 'v1';
}

/** Maximum nesting of brackets / unary operators / bodies / operands of a binary operator chain (the AST depth). */
export const MAX_NESTING = 200;

const ALL_FUTURE_KEYWORDS: readonly FutureKeyword[] = ['in', 'if', 'contains', 'every'];

/** Identifiers that can never be variables. */
const RESERVED = new Set([
  'package',
  'import',
  'default',
  'not',
  'with',
  'as',
  'some',
  'else',
  'in',
  'true',
  'false',
  'null',
]);

const IMPORT_ROOTS = new Set(['data', 'input', 'future', 'rego']);

const RELATIONAL = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** Dotted name of a ref made of a var and dot segments (e.g. "object.get"). */
function refName(ref: Ref): string {
  let name = ref.head.type === 'var' ? ref.head.name : '';
  for (const p of ref.path) {
    name += p.type === 'dot' ? `.${p.name}` : '[...]';
  }
  return name;
}

class Parser {
  private readonly src: string;
  private readonly tk: TokenBuffer;
  private readonly last: Tok;
  private i = 0;
  private depth = 0;
  /** Newlines terminate expressions (body context). */
  private nlSig = true;
  /** `|` is not a binary operator (first term of a possible comprehension). */
  private noBar = false;
  v1: boolean;
  readonly keywords = new Set<FutureKeyword>();
  readonly withoutImport: { keyword: FutureKeyword; pos: Position }[] = [];

  constructor(src: string, tk: TokenBuffer, v1: boolean) {
    this.src = src;
    this.tk = tk;
    this.last = tk.count - 1;
    this.v1 = v1;
    if (v1) for (const k of ALL_FUTURE_KEYWORDS) this.keywords.add(k);
  }

  // ------------------------------------------------------------ utilities

  peek(): Tok {
    return this.i;
  }

  private at(k: number): Tok {
    const j = this.i + k;
    return j < this.last ? j : this.last;
  }

  private next(): Tok {
    const t = this.i;
    if (t < this.last) this.i++;
    return t;
  }

  private kindOf(t: Tok): number {
    return this.tk.kind[t];
  }

  private val(t: Tok): string {
    return this.tk.value[t];
  }

  /** Whitespace (or a comment) precedes token t. */
  private ws(t: Tok): boolean {
    return (this.tk.flags[t] & FLAG_WS) !== 0;
  }

  /** A newline precedes token t. */
  private nl(t: Tok): boolean {
    return (this.tk.flags[t] & FLAG_NL) !== 0;
  }

  pos(t: Tok): Position {
    const tk = this.tk;
    return { line: tk.line[t], column: tk.column[t], offset: tk.start[t] };
  }

  private endPos(t: Tok): Position {
    const tk = this.tk;
    return { line: tk.endLine[t], column: tk.endColumn[t], offset: tk.end[t] };
  }

  private isPunct(t: Tok, v: string): boolean {
    return this.tk.kind[t] === TK_PUNCT && this.tk.value[t] === v;
  }

  private isIdent(t: Tok, v: string): boolean {
    return this.tk.kind[t] === TK_IDENT && this.tk.value[t] === v;
  }

  private lastEnd(): Position {
    return this.endPos(this.i > 0 ? this.i - 1 : 0);
  }

  describe(t: Tok): string {
    if (this.kindOf(t) === TK_EOF) return 'end of input';
    let text = this.src.slice(this.tk.start[t], this.tk.end[t]);
    if (text.length > 24) text = `${text.slice(0, 21)}...`;
    return JSON.stringify(text);
  }

  fail(expected: string, t: Tok = this.peek()): never {
    return this.failAt(`expected ${expected} but found ${this.describe(t)}`, t);
  }

  failAt(reason: string, t: Tok): never {
    throw new RegoSyntaxError(reason, this.tk.line[t], this.tk.column[t], this.tk.start[t]);
  }

  private failNode(reason: string, pos: Position): never {
    throw new RegoSyntaxError(reason, pos.line, pos.column, pos.offset);
  }

  private expectPunct(v: string): Tok {
    const t = this.i;
    if (!this.isPunct(t, v)) this.fail(`"${v}"`, t);
    this.i++;
    return t;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      const t = this.peek();
      throw new RegoTooDeep(`nesting too deep (more than ${MAX_NESTING} levels of brackets, bodies or operators)`, this.tk.line[t], this.tk.column[t], this.tk.start[t]);
    }
  }

  private leave(): void {
    this.depth--;
  }

  /** Binary operators / `in` on a new line do not continue an expression in body context. */
  private nlStop(t: Tok): boolean {
    return this.nlSig && this.nl(t);
  }

  /** True if `t` follows the previous token without any whitespace. */
  private adjacent(t: Tok): boolean {
    return !this.ws(t) && this.i > 0;
  }

  // --------------------------------------------------------------- module

  parseModule(): Module {
    const first = this.peek();
    if (!this.isIdent(first, 'package')) this.fail('"package"', first);
    const pkg = this.parsePackage();
    const imports: Import[] = [];
    const rules: Rule[] = [];

    for (;;) {
      const t = this.peek();
      if (this.kindOf(t) === TK_EOF) break;
      if (this.isPunct(t, ';')) {
        this.i++;
        continue;
      }
      if (!this.nl(t) && !this.isPunct(t - 1, ';')) this.fail('newline', t);
      if (this.isIdent(t, 'package')) this.failAt('unexpected "package": a module has exactly one package', t);
      if (this.isIdent(t, 'import')) {
        imports.push(this.parseImport());
      } else {
        rules.push(this.parseRule());
      }
    }

    const eof = this.peek();
    return {
      type: 'module',
      package: pkg,
      imports,
      rules,
      v1: this.v1,
      keywords: this.keywords,
      keywordsWithoutImport: this.withoutImport,
      comments: [],
      pos: { line: 1, column: 1, offset: 0 },
      end: this.pos(eof),
    };
  }

  private parsePackage(): Package {
    const kw = this.next();
    const path = this.parseStaticRef('package');
    const segments: string[] = [path.head.type === 'var' ? path.head.name : ''];
    for (const p of path.path) {
      segments.push(p.type === 'dot' ? p.name : p.term.type === 'string' ? p.term.value : '');
    }
    return { type: 'package', path, segments, pos: this.pos(kw), end: this.lastEnd() };
  }

  /** `a.b["c"]` with only identifiers and string brackets. */
  private parseStaticRef(what: string): Ref {
    const t = this.peek();
    if (this.kindOf(t) !== TK_IDENT || RESERVED.has(this.val(t))) this.fail(`${what} path`, t);
    this.i++;
    const head: Var = { type: 'var', name: this.val(t), pos: this.pos(t), end: this.endPos(t) };
    const path: RefArg[] = [];
    for (;;) {
      const n = this.peek();
      if (!this.adjacent(n)) break;
      if (this.isPunct(n, '.')) {
        const id = this.at(1);
        if (this.kindOf(id) !== TK_IDENT || this.ws(id)) this.fail('identifier after "."', id);
        this.i += 2;
        path.push({ type: 'dot', name: this.val(id), pos: this.pos(n), end: this.endPos(id) });
      } else if (this.isPunct(n, '[')) {
        this.i++;
        const s = this.peek();
        if (this.kindOf(s) !== TK_STRING && this.kindOf(s) !== TK_RAWSTRING) this.fail('string', s);
        this.i++;
        const term: Term = {
          type: 'string',
          value: this.val(s),
          raw: this.kindOf(s) === TK_RAWSTRING,
          pos: this.pos(s),
          end: this.endPos(s),
        };
        const close = this.expectPunct(']');
        path.push({ type: 'bracket', term, pos: this.pos(n), end: this.endPos(close) });
      } else {
        break;
      }
    }
    return { type: 'ref', head, path, pos: head.pos, end: this.lastEnd() };
  }

  private parseImport(): Import {
    const kw = this.next();
    const pathTok = this.peek();
    const path = this.parseStaticRef('import');
    const root = path.head.type === 'var' ? path.head.name : '';
    if (!IMPORT_ROOTS.has(root)) {
      this.failAt(`invalid import path: must begin with data, input, future or rego`, pathTok);
    }
    const segs = path.path.map((p) => (p.type === 'dot' ? p.name : p.term.type === 'string' ? p.term.value : ''));
    if (root === 'future') {
      if (segs[0] !== 'keywords' || segs.length > 2) {
        this.failAt('invalid import path: expected future.keywords or future.keywords.<keyword>', pathTok);
      }
      if (segs.length === 1) {
        for (const k of ALL_FUTURE_KEYWORDS) this.keywords.add(k);
      } else {
        const k = segs[1] as FutureKeyword;
        if (!ALL_FUTURE_KEYWORDS.includes(k)) this.failAt(`unknown future keyword "${segs[1]}"`, pathTok);
        this.keywords.add(k);
      }
    } else if (root === 'rego') {
      if (segs.length !== 1 || segs[0] !== 'v1') this.failAt('invalid import path: expected rego.v1', pathTok);
      this.v1 = true;
      for (const k of ALL_FUTURE_KEYWORDS) this.keywords.add(k);
    }
    let alias: string | undefined;
    const asTok = this.peek();
    if (this.isIdent(asTok, 'as') && !this.nl(asTok)) {
      this.i++;
      const a = this.peek();
      if (this.kindOf(a) !== TK_IDENT || RESERVED.has(this.val(a))) this.fail('alias name', a);
      if (root === 'future' || root === 'rego') this.failAt(`${root} imports cannot be aliased`, asTok);
      this.i++;
      alias = this.val(a);
    }
    const imp: Import = { type: 'import', path, pos: this.pos(kw), end: this.lastEnd() };
    if (alias !== undefined) imp.alias = alias;
    return imp;
  }

  // ---------------------------------------------------------------- rules

  /** A keyword is used at token t: remember it when it was not enabled. */
  private usedKeyword(k: FutureKeyword, t: Tok): void {
    if (!this.keywords.has(k)) this.withoutImport.push({ keyword: k, pos: this.pos(t) });
  }

  private isKeyword(name: string): boolean {
    return RESERVED.has(name) || this.keywords.has(name as FutureKeyword);
  }

  private parseRule(): Rule {
    const start = this.peek();
    let isDefault = false;
    if (this.isIdent(start, 'default')) {
      this.i++;
      isDefault = true;
    }
    const nameTok = this.peek();
    if (this.kindOf(nameTok) !== TK_IDENT || this.isKeyword(this.val(nameTok))) this.fail('rule name', nameTok);
    const head = this.parseHeadRef();
    const name = (head.head as Var).name;

    let args: Term[] | undefined;
    const lp = this.peek();
    if (this.isPunct(lp, '(') && this.adjacent(lp)) {
      if (head.path.some((p) => p.type === 'bracket')) this.failAt('function name must not contain brackets', lp);
      args = this.parseArgList('(', ')');
    }

    let assign: '=' | ':=' | undefined;
    let value: Term | undefined;
    let key: Term | undefined;
    let containsKeyword = false;

    if (isDefault) {
      const op = this.peek();
      if (!this.isPunct(op, '=') && !this.isPunct(op, ':=')) this.fail('"=" or ":="', op);
      this.i++;
      assign = this.val(op) as '=' | ':=';
      value = this.parseTermIn();
      const rule: Rule = {
        type: 'rule',
        kind: 'default',
        name,
        head,
        value,
        assign,
        bodies: [],
        default: true,
        ifKeyword: false,
        containsKeyword: false,
        pos: this.pos(start),
        end: this.lastEnd(),
      };
      if (args) rule.args = args;
      return rule;
    }

    const t = this.peek();
    if (this.isIdent(t, 'contains') && !this.nl(t)) {
      if (args) this.failAt('"contains" cannot be used with function rules', t);
      this.usedKeyword('contains', t);
      this.i++;
      containsKeyword = true;
      key = this.parseTermIn();
    } else if (this.isPunct(t, '=') || this.isPunct(t, ':=')) {
      this.i++;
      assign = this.val(t) as '=' | ':=';
      value = this.parseTermIn();
    }

    // Rego v0 also reads a lone `p["x"]` as a partial set rule and `f(x)` as a function returning true.
    const v0Shorthand = !this.v1 && (args ? args.length > 0 : head.path.length === 1 && head.path[0]!.type === 'bracket');
    const { bodies, ifKeyword } = this.parseRuleBodies(value !== undefined || containsKeyword || v0Shorthand);

    let kind: RuleKind;
    if (args) {
      kind = 'function';
    } else if (containsKeyword) {
      kind = 'partialSet';
    } else {
      const last = head.path.length > 0 ? head.path[head.path.length - 1] : undefined;
      if (last && last.type === 'bracket') {
        key = last.term;
        kind = value !== undefined || this.v1 ? 'partialObject' : 'partialSet';
      } else {
        kind = 'complete';
      }
    }

    const rule: Rule = {
      type: 'rule',
      kind,
      name,
      head,
      bodies,
      default: false,
      ifKeyword,
      containsKeyword,
      pos: this.pos(start),
      end: this.lastEnd(),
    };
    if (key !== undefined) rule.key = key;
    if (value !== undefined) rule.value = value;
    if (assign !== undefined) rule.assign = assign;
    if (args) rule.args = args;

    // else chain
    let cur = rule;
    for (;;) {
      const e = this.peek();
      if (!this.isIdent(e, 'else')) break;
      if (kind !== 'complete' && kind !== 'function') this.failAt('"else" can only be used with complete rules and functions', e);
      if (cur.bodies.length === 0) this.failAt('"else" must follow a rule body', e);
      this.i++;
      let eAssign: '=' | ':=' | undefined;
      let eValue: Term | undefined;
      const op = this.peek();
      if (this.isPunct(op, '=') || this.isPunct(op, ':=')) {
        this.i++;
        eAssign = this.val(op) as '=' | ':=';
        eValue = this.parseTermIn();
      }
      const eb = this.parseRuleBodies(true);
      const elseRule: Rule = {
        type: 'rule',
        kind,
        name,
        head,
        bodies: eb.bodies,
        default: false,
        ifKeyword: eb.ifKeyword,
        containsKeyword: false,
        pos: this.pos(e),
        end: this.lastEnd(),
      };
      if (eValue !== undefined) elseRule.value = eValue;
      if (eAssign !== undefined) elseRule.assign = eAssign;
      if (args) elseRule.args = args;
      cur.else = elseRule;
      cur = elseRule;
      rule.end = elseRule.end;
    }
    return rule;
  }

  /** `p`, `a.b.c`, `p[x]`, `a.b[x]` (brackets may hold any term). */
  private parseHeadRef(): Ref {
    const t = this.next();
    const head: Var = { type: 'var', name: this.val(t), pos: this.pos(t), end: this.endPos(t) };
    const path: RefArg[] = [];
    for (;;) {
      const n = this.peek();
      if (!this.adjacent(n)) break;
      if (this.isPunct(n, '.')) {
        const id = this.at(1);
        if (this.kindOf(id) !== TK_IDENT || this.ws(id)) this.fail('identifier after "."', id);
        this.i += 2;
        path.push({ type: 'dot', name: this.val(id), pos: this.pos(n), end: this.endPos(id) });
      } else if (this.isPunct(n, '[')) {
        path.push(this.parseBracketArg());
      } else {
        break;
      }
    }
    return { type: 'ref', head, path, pos: head.pos, end: this.lastEnd() };
  }

  /**
   * Parses what follows a rule head (and value): `if expr`, `if { ... }`,
   * `{ ... } { ... }`, or nothing (allowed only when `optional`).
   */
  private parseRuleBodies(optional: boolean): { bodies: Body[]; ifKeyword: boolean } {
    const bodies: Body[] = [];
    let ifKeyword = false;
    const t = this.peek();
    if (this.isIdent(t, 'if') && !this.nl(t)) {
      this.usedKeyword('if', t);
      this.i++;
      ifKeyword = true;
      if (this.isPunct(this.peek(), '{')) {
        bodies.push(this.parseBraceBody());
      } else {
        bodies.push(this.parseSingleExprBody());
        return { bodies, ifKeyword };
      }
    } else if (this.isPunct(t, '{')) {
      if (this.v1) this.failAt('"if" keyword is required before rule body', t);
      bodies.push(this.parseBraceBody());
    } else {
      if (!optional) this.fail('"=", ":=", "if" or "{"', t);
      return { bodies, ifKeyword };
    }
    // additional alternative bodies: p { a } { b }
    while (this.isPunct(this.peek(), '{')) bodies.push(this.parseBraceBody());
    return { bodies, ifKeyword };
  }

  // --------------------------------------------------------------- bodies

  private parseBraceBody(): Body {
    const open = this.expectPunct('{');
    this.enter();
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = true;
    this.noBar = false;
    const exprs = this.parseLiterals('}');
    const close = this.expectPunct('}');
    this.nlSig = saveNl;
    this.noBar = saveBar;
    this.leave();
    return { type: 'body', exprs, pos: this.pos(open), end: this.endPos(close) };
  }

  private parseSingleExprBody(): Body {
    const saveNl = this.nlSig;
    this.nlSig = true;
    const expr = this.parseLiteral();
    this.nlSig = saveNl;
    return { type: 'body', exprs: [expr], pos: expr.pos, end: expr.end };
  }

  /** Literals separated by `;` or newlines, up to (not including) `end`. Non-empty. */
  private parseLiterals(end: string): Expr[] {
    const exprs: Expr[] = [];
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, end)) {
        if (exprs.length === 0) this.fail('expression', t);
        break;
      }
      if (this.kindOf(t) === TK_EOF) this.fail(`"${end}"`, t);
      exprs.push(this.parseLiteral());
      const s = this.peek();
      if (this.isPunct(s, ';')) {
        this.i++;
        continue;
      }
      if (this.isPunct(s, end)) break;
      if (this.nl(s)) continue;
      if (this.kindOf(s) === TK_EOF) this.fail(`"${end}"`, s);
      this.fail(`";", newline or "${end}"`, s);
    }
    return exprs;
  }

  private parseLiteral(): Expr {
    const t = this.peek();
    let expr: Expr;
    if (this.kindOf(t) === TK_IDENT) {
      if (this.val(t) === 'not') {
        this.i++;
        const inner = this.parseExprCore();
        expr = { type: 'not', expr: inner, with: [], pos: this.pos(t), end: inner.end };
      } else if (this.val(t) === 'some') {
        expr = this.parseSome();
      } else if (this.val(t) === 'every' && this.startsEvery()) {
        this.usedKeyword('every', t);
        expr = this.parseEvery();
      } else {
        expr = this.parseExprCore();
      }
    } else {
      expr = this.parseExprCore();
    }
    let w = this.peek();
    while (this.isIdent(w, 'with')) {
      this.i++;
      const target = this.parsePostfixTerm();
      const as = this.peek();
      if (!this.isIdent(as, 'as')) this.fail('"as"', as);
      this.i++;
      const value = this.parseTermIn();
      const mod: With = { type: 'with', target, value, pos: this.pos(w), end: value.end };
      expr.with.push(mod);
      expr.end = value.end;
      w = this.peek();
    }
    return expr;
  }

  /** term, `k, v in xs`, `a := b`, `a = b`. */
  private parseExprCore(): Expr {
    const left = this.parseTermIn();
    const t = this.peek();
    if (this.isPunct(t, ',')) {
      this.i++;
      const value = this.parseRelation();
      const inTok = this.peek();
      if (!this.isIdent(inTok, 'in')) this.fail('"in"', inTok);
      this.usedKeyword('in', inTok);
      this.i++;
      const collection = this.parseRelation();
      const term: Term = {
        type: 'membership',
        key: left,
        value,
        collection,
        pos: left.pos,
        end: collection.end,
      };
      return { type: 'termExpr', term, with: [], pos: left.pos, end: collection.end };
    }
    if (this.isPunct(t, ':=') || this.isPunct(t, '=')) {
      this.i++;
      const right = this.parseTermIn();
      return {
        type: this.val(t) === ':=' ? 'assign' : 'unify',
        left,
        right,
        with: [],
        pos: left.pos,
        end: right.end,
      };
    }
    return { type: 'termExpr', term: left, with: [], pos: left.pos, end: left.end };
  }

  private parseSome(): Expr {
    const kw = this.next();
    const terms: Term[] = [this.parseRelation()];
    while (this.isPunct(this.peek(), ',')) {
      this.i++;
      terms.push(this.parseRelation());
    }
    const t = this.peek();
    if (this.isIdent(t, 'in')) {
      if (terms.length > 2) this.failNode('expected at most two terms before "in"', terms[2].pos);
      this.usedKeyword('in', t);
      this.i++;
      const collection = this.parseRelation();
      const expr: Expr = {
        type: 'someIn',
        value: terms[terms.length - 1],
        collection,
        with: [],
        pos: this.pos(kw),
        end: collection.end,
      };
      if (terms.length === 2) expr.key = terms[0];
      return expr;
    }
    const vars: Var[] = [];
    for (const term of terms) {
      if (term.type !== 'var' || term.parens) this.failNode('expected variable in "some" declaration', term.pos);
      vars.push(term);
    }
    return { type: 'some', vars, with: [], pos: this.pos(kw), end: this.lastEnd() };
  }

  /**
   * `every` starts an every-expression when followed, on the same line, by a
   * variable name (so plain v0 code may still use `every` as a variable).
   */
  private startsEvery(): boolean {
    const n = this.at(1);
    return this.kindOf(n) === TK_IDENT && !this.nl(n) && !RESERVED.has(this.val(n));
  }

  private parseEvery(): Expr {
    const kw = this.next();
    const first = this.parseVar();
    let key: Var | undefined;
    let value = first;
    if (this.isPunct(this.peek(), ',')) {
      this.i++;
      key = first;
      value = this.parseVar();
    }
    const inTok = this.peek();
    if (!this.isIdent(inTok, 'in')) this.fail('"in"', inTok);
    this.i++;
    const domain = this.parseRelation();
    const body = this.parseBraceBody();
    const expr: Expr = { type: 'every', value, domain, body, with: [], pos: this.pos(kw), end: body.end };
    if (key) expr.key = key;
    return expr;
  }

  private parseVar(): Var {
    const t = this.peek();
    if (this.kindOf(t) !== TK_IDENT || this.isKeyword(this.val(t))) this.fail('variable', t);
    this.i++;
    return { type: 'var', name: this.val(t), pos: this.pos(t), end: this.endPos(t) };
  }

  // ---------------------------------------------------------------- terms

  /** Full term: membership (`x in xs`) is the loosest binding operator. */
  parseTermIn(): Term {
    this.enter();
    let left = this.parseRelation();
    let chained = 0;
    for (;;) {
      const t = this.peek();
      if (!this.isIdent(t, 'in') || this.nlStop(t)) break;
      this.usedKeyword('in', t);
      this.i++;
      this.enter();
      chained++;
      const collection = this.parseRelation();
      left = { type: 'membership', value: left, collection, pos: left.pos, end: collection.end };
    }
    this.depth -= chained;
    this.leave();
    return left;
  }

  private parseRelation(): Term {
    let left = this.parseOr();
    let chained = 0;
    for (;;) {
      const t = this.peek();
      if (this.kindOf(t) !== TK_PUNCT || !RELATIONAL.has(this.val(t)) || this.nlStop(t)) break;
      this.i++;
      this.enter();
      chained++;
      const right = this.parseOr();
      left = { type: 'binary', op: this.val(t) as BinaryOp, left, right, pos: left.pos, end: right.end };
    }
    this.depth -= chained;
    return left;
  }

  private parseOr(): Term {
    let left = this.parseAnd();
    let chained = 0;
    for (;;) {
      const t = this.peek();
      if (!this.isPunct(t, '|') || this.noBar || this.nlStop(t)) break;
      this.i++;
      this.enter();
      chained++;
      const right = this.parseAnd();
      left = { type: 'binary', op: '|', left, right, pos: left.pos, end: right.end };
    }
    this.depth -= chained;
    return left;
  }

  private parseAnd(): Term {
    let left = this.parseArith();
    let chained = 0;
    for (;;) {
      const t = this.peek();
      if (!this.isPunct(t, '&') || this.nlStop(t)) break;
      this.i++;
      this.enter();
      chained++;
      const right = this.parseArith();
      left = { type: 'binary', op: '&', left, right, pos: left.pos, end: right.end };
    }
    this.depth -= chained;
    return left;
  }

  private parseArith(): Term {
    let left = this.parseFactor();
    let chained = 0;
    for (;;) {
      const t = this.peek();
      if (this.kindOf(t) !== TK_PUNCT || this.nlStop(t)) break;
      const op = this.val(t);
      if (op !== '+' && op !== '-') break;
      this.i++;
      this.enter();
      chained++;
      const right = this.parseFactor();
      left = { type: 'binary', op, left, right, pos: left.pos, end: right.end };
    }
    this.depth -= chained;
    return left;
  }

  private parseFactor(): Term {
    let left = this.parseUnary();
    let chained = 0;
    for (;;) {
      const t = this.peek();
      if (this.kindOf(t) !== TK_PUNCT || this.nlStop(t)) break;
      const op = this.val(t);
      if (op !== '*' && op !== '/' && op !== '%') break;
      this.i++;
      this.enter();
      chained++;
      const right = this.parseUnary();
      left = { type: 'binary', op, left, right, pos: left.pos, end: right.end };
    }
    this.depth -= chained;
    return left;
  }

  private parseUnary(): Term {
    const t = this.peek();
    if (!this.isPunct(t, '-')) return this.parsePostfixTerm();
    const n = this.at(1);
    this.i++;
    if (this.kindOf(n) === TK_NUMBER && !this.ws(n)) {
      this.i++;
      const text = `-${this.val(n)}`;
      return { type: 'number', value: Number(text), text, pos: this.pos(t), end: this.endPos(n) };
    }
    this.enter();
    const operand = this.parseUnary();
    this.leave();
    return { type: 'unary', op: '-', operand, pos: this.pos(t), end: operand.end };
  }

  /** Primary term followed by ref / call continuations. */
  private parsePostfixTerm(): Term {
    const t = this.peek();
    switch (this.kindOf(t)) {
      case TK_IDENT:
        return this.parseIdentTerm(t);
      case TK_STRING:
      case TK_RAWSTRING:
        this.i++;
        return {
          type: 'string',
          value: this.val(t),
          raw: this.kindOf(t) === TK_RAWSTRING,
          pos: this.pos(t),
          end: this.endPos(t),
        };
      case TK_NUMBER:
        this.i++;
        return { type: 'number', value: Number(this.val(t)), text: this.val(t), pos: this.pos(t), end: this.endPos(t) };
      case TK_PUNCT:
        if (this.val(t) === '[') return this.parseRefTail(this.parseArrayLike(), false);
        if (this.val(t) === '{') return this.parseRefTail(this.parseBraceTerm(), false);
        if (this.val(t) === '(') return this.parseParens();
        break;
      default:
        break;
    }
    return this.fail('term', t);
  }

  private parseIdentTerm(t: Tok): Term {
    const name = this.val(t);
    switch (name) {
      case 'true':
      case 'false':
        this.i++;
        return { type: 'boolean', value: name === 'true', pos: this.pos(t), end: this.endPos(t) };
      case 'null':
        this.i++;
        return { type: 'null', pos: this.pos(t), end: this.endPos(t) };
      case 'set': {
        const lp = this.at(1);
        const rp = this.at(2);
        if (this.isPunct(lp, '(') && !this.ws(lp) && this.isPunct(rp, ')')) {
          this.i += 3;
          return { type: 'set', items: [], pos: this.pos(t), end: this.endPos(rp) };
        }
        break;
      }
      case 'contains': {
        // the `contains(...)` builtin stays callable when the keyword is enabled
        const lp = this.at(1);
        if (this.keywords.has('contains') && !(this.isPunct(lp, '(') && !this.ws(lp))) this.fail('term', t);
        break;
      }
      default:
        if (this.isKeyword(name)) this.fail('term', t);
    }
    this.i++;
    const v: Var = { type: 'var', name, pos: this.pos(t), end: this.endPos(t) };
    return this.parseRefTail(v, true);
  }

  /** `.name`, `[term]` and (for plain dotted refs) `(args)` continuations. */
  private parseRefTail(head: Term, callable: boolean): Term {
    let path: RefArg[] = [];
    let cur: Term = head;
    for (;;) {
      const t = this.peek();
      if (this.ws(t) || this.kindOf(t) !== TK_PUNCT) break;
      if (this.val(t) === '.') {
        const id = this.at(1);
        if (this.kindOf(id) !== TK_IDENT || this.ws(id)) this.fail('identifier after "."', id);
        this.i += 2;
        path.push({ type: 'dot', name: this.val(id), pos: this.pos(t), end: this.endPos(id) });
      } else if (this.val(t) === '[') {
        path.push(this.parseBracketArg());
        callable = false;
      } else if (this.val(t) === '(' && callable) {
        const operator: Ref = { type: 'ref', head: cur, path, pos: cur.pos, end: this.lastEnd() };
        const args = this.parseArgList('(', ')');
        const call: Call = {
          type: 'call',
          operator,
          name: refName(operator),
          args,
          pos: cur.pos,
          end: this.lastEnd(),
        };
        cur = call;
        path = [];
        callable = false;
      } else {
        break;
      }
    }
    if (path.length === 0) return cur;
    return { type: 'ref', head: cur, path, pos: cur.pos, end: this.lastEnd() };
  }

  private parseBracketArg(): RefArg {
    const open = this.next();
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = false;
    this.noBar = false;
    const term = this.parseTermIn();
    const close = this.expectPunct(']');
    this.nlSig = saveNl;
    this.noBar = saveBar;
    return { type: 'bracket', term, pos: this.pos(open), end: this.endPos(close) };
  }

  /** `(a, b, c)` (also used for function heads); trailing comma allowed. */
  private parseArgList(open: string, close: string): Term[] {
    this.expectPunct(open);
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = false;
    this.noBar = false;
    const args: Term[] = [];
    while (!this.isPunct(this.peek(), close)) {
      args.push(this.parseTermIn());
      const t = this.peek();
      if (this.isPunct(t, ',')) {
        this.i++;
        continue;
      }
      if (!this.isPunct(t, close)) this.fail(`"," or "${close}"`, t);
    }
    this.i++;
    this.nlSig = saveNl;
    this.noBar = saveBar;
    return args;
  }

  /** `( term )`: returns the inner term with `parens: true`, its pos/end widened to the parentheses. */
  private parseParens(): Term {
    const open = this.next();
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = false;
    this.noBar = false;
    const inner = this.parseTermIn();
    const close = this.expectPunct(')');
    this.nlSig = saveNl;
    this.noBar = saveBar;
    inner.parens = true;
    inner.pos = this.pos(open);
    inner.end = this.endPos(close);
    return inner;
  }

  private parseCompBody(end: string): Body {
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = true;
    this.noBar = false;
    const first = this.peek();
    const exprs = this.parseLiterals(end);
    this.nlSig = saveNl;
    this.noBar = saveBar;
    return { type: 'body', exprs, pos: this.pos(first), end: this.lastEnd() };
  }

  /** `[]`, `[a, b]`, `[x | body]`. */
  private parseArrayLike(): Term {
    const open = this.next();
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = false;
    this.noBar = true;
    let result: Term;
    if (this.isPunct(this.peek(), ']')) {
      const close = this.next();
      result = { type: 'array', items: [], pos: this.pos(open), end: this.endPos(close) };
    } else {
      const first = this.parseTermIn();
      this.noBar = false;
      if (this.isPunct(this.peek(), '|')) {
        this.i++;
        const body = this.parseCompBody(']');
        const close = this.expectPunct(']');
        result = { type: 'arrayComprehension', term: first, body, pos: this.pos(open), end: this.endPos(close) };
      } else {
        const items = this.parseItemsAfterFirst(first, ']');
        result = { type: 'array', items, pos: this.pos(open), end: this.lastEnd() };
      }
    }
    this.nlSig = saveNl;
    this.noBar = saveBar;
    return result;
  }

  /** Remaining `, item` list up to and including `close`; trailing comma allowed. */
  private parseItemsAfterFirst(first: Term, close: string): Term[] {
    const items = [first];
    for (;;) {
      const t = this.peek();
      if (this.isPunct(t, close)) break;
      if (!this.isPunct(t, ',')) this.fail(`"," or "${close}"`, t);
      this.i++;
      if (this.isPunct(this.peek(), close)) break;
      items.push(this.parseTermIn());
    }
    this.i++;
    return items;
  }

  /** `{}`, `{k: v, ...}`, `{a, b}`, `{x | body}`, `{k: v | body}`. */
  private parseBraceTerm(): Term {
    const open = this.next();
    const saveNl = this.nlSig;
    const saveBar = this.noBar;
    this.nlSig = false;
    this.noBar = true;
    let result: Term;
    if (this.isPunct(this.peek(), '}')) {
      const close = this.next();
      result = { type: 'object', entries: [], pos: this.pos(open), end: this.endPos(close) };
    } else {
      const first = this.parseTermIn();
      if (this.isPunct(this.peek(), ':')) {
        this.i++;
        const value = this.parseTermIn();
        this.noBar = false;
        if (this.isPunct(this.peek(), '|')) {
          this.i++;
          const body = this.parseCompBody('}');
          const close = this.expectPunct('}');
          result = {
            type: 'objectComprehension',
            key: first,
            value,
            body,
            pos: this.pos(open),
            end: this.endPos(close),
          };
        } else {
          const entries: ObjectEntry[] = [{ type: 'entry', key: first, value, pos: first.pos, end: value.end }];
          for (;;) {
            const t = this.peek();
            if (this.isPunct(t, '}')) break;
            if (!this.isPunct(t, ',')) this.fail('"," or "}"', t);
            this.i++;
            if (this.isPunct(this.peek(), '}')) break;
            const k = this.parseTermIn();
            this.expectPunct(':');
            const v = this.parseTermIn();
            entries.push({ type: 'entry', key: k, value: v, pos: k.pos, end: v.end });
          }
          const close = this.next();
          result = { type: 'object', entries, pos: this.pos(open), end: this.endPos(close) };
        }
      } else {
        this.noBar = false;
        if (this.isPunct(this.peek(), '|')) {
          this.i++;
          const body = this.parseCompBody('}');
          const close = this.expectPunct('}');
          result = { type: 'setComprehension', term: first, body, pos: this.pos(open), end: this.endPos(close) };
        } else {
          const items = this.parseItemsAfterFirst(first, '}');
          result = { type: 'set', items, pos: this.pos(open), end: this.lastEnd() };
        }
      }
    }
    this.nlSig = saveNl;
    this.noBar = saveBar;
    return result;
  }
}

/**
 * Parsed modules by version and source: a template's Rego is checked, analysed under each
 * constraint's parameters and evaluated, and libraries repeat modules. A module is read-only once
 * parsed, so one parse (or its syntax error) is shared.
 */
const parsed = textMemo<Module>(4_000_000);

/**
 * Parses a Rego module. Throws RegoSyntaxError (and nothing else) on invalid
 * input.
 */
export function parseModule(source: string, options: ParseOptions = {}): Module {
  const version = options.version ?? 'v0';
  return parsed(`${version}\0${source}`, () => parseFresh(source, version));
}

function parseFresh(source: string, version: 'v0' | 'v1'): Module {
  let parser: Parser | undefined;
  try {
    const { tokens, comments } = tokenize(source);
    parser = new Parser(source, tokens, version === 'v1');
    const mod = parser.parseModule();
    mod.comments = comments;
    return mod;
  } catch (err) {
    if (err instanceof RegoSyntaxError) throw err;
    const pos = parser ? parser.pos(parser.peek()) : { line: 1, column: 1, offset: 0 };
    const { line, column, offset } = pos;
    if (err instanceof RangeError) throw new RegoTooDeep('nesting too deep', line, column, offset);
    const msg = err instanceof Error ? err.message : String(err);
    throw new RegoSyntaxError(`internal parser error: ${msg}`, line, column, offset);
  }
}
