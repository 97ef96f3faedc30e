/** Rego lexer, parser and AST for polcov. */
export * from './ast';
export { tokenize, tokenList, tokenAt, type Token, type TokenBuffer, type TokenKind, type LexResult } from './lexer';
export { parseFailure, parseModule, RegoSyntaxError, RegoTooDeep, MAX_NESTING, type ParseOptions } from './parser';
