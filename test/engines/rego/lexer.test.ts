import { RegoSyntaxError, tokenList, tokenize } from '../../../src/engines/rego';

describe('lexer', () => {
  test('token kinds, values and whitespace flags', () => {
    const toks = tokenList('p[x] := "a\\n"  # c\n  q.r != `raw`\n-1.5e3');
    expect(toks.map((t) => [t.kind, t.value, t.wsBefore, t.nlBefore])).toEqual([
      ['ident', 'p', false, false],
      ['punct', '[', false, false],
      ['ident', 'x', false, false],
      ['punct', ']', false, false],
      ['punct', ':=', true, false],
      ['string', 'a\n', true, false],
      ['ident', 'q', true, true],
      ['punct', '.', false, false],
      ['ident', 'r', false, false],
      ['punct', '!=', true, false],
      ['rawstring', 'raw', true, false],
      ['punct', '-', true, true],
      ['number', '1.5e3', false, false],
      ['eof', '', false, false],
    ]);
  });

  test('positions', () => {
    const toks = tokenList('a\n  bb `x\ny` c');
    expect(toks.map((t) => [t.line, t.column, t.offset, t.endLine, t.endColumn, t.endOffset])).toEqual([
      [1, 1, 0, 1, 2, 1],
      [2, 3, 4, 2, 5, 6],
      [2, 6, 7, 3, 3, 12],
      [3, 4, 13, 3, 5, 14],
      [3, 5, 14, 3, 5, 14],
    ]);
  });

  test('all operators', () => {
    const ops = ':= = == != < <= > >= + - * / % | & ( ) [ ] { } , ; : .';
    expect(tokenList(ops).slice(0, -1).map((t) => t.value)).toEqual(ops.split(' '));
  });

  test('comments are collected and hashes in strings are not comments', () => {
    const { comments, tokens } = tokenize('x := "#a" # real\r\n# second');
    expect(comments.map((c) => c.text)).toEqual([' real', ' second']);
    expect(comments[1].pos).toEqual({ line: 2, column: 1, offset: 18 });
    expect(tokens.count).toBe(4);
  });

  test('a byte order mark is skipped', () => {
    expect(tokenList('\ufeffpackage')[0]).toMatchObject({ value: 'package', line: 1, column: 1, offset: 1 });
  });

  test.each([
    ['"abc', 1, 1, 'unterminated string'],
    ['x := "a\\x"', 1, 8, 'invalid escape sequence in string'],
    ['"\\u12g4"', 1, 2, 'invalid unicode escape in string'],
    ['x\n  `abc', 2, 3, 'unterminated raw string'],
    ['1e+', 1, 2, 'invalid number exponent'],
    ['a ! b', 1, 3, 'unexpected character "!"'],
    ['a ~ b', 1, 3, 'unexpected character "~"'],
  ])('error in %j', (src, line, column, message) => {
    let err: unknown;
    try {
      tokenize(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegoSyntaxError);
    expect(err).toMatchObject({ line, column, message });
  });
});
