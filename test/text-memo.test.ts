import { textMemo } from '../src/text-memo';

/** A memo over a function that counts its calls. */
function counted(maxChars: number) {
  const made: string[] = [];
  const memo = textMemo<{ text: string }>(maxChars);
  const get = (key: string) =>
    memo(key, () => {
      made.push(key);
      if (key.startsWith('bad')) throw new Error(`cannot read ${key}`);
      return { text: key };
    });
  return { get, made };
}

describe('textMemo', () => {
  it('makes a value once per text and shares it', () => {
    const { get, made } = counted(100);
    const first = get('abc');
    expect(get('abc')).toBe(first);
    expect(get('xyz')).not.toBe(first);
    expect(made).toEqual(['abc', 'xyz']);
  });

  it('remembers a thrown error and throws it again', () => {
    const { get, made } = counted(100);
    let first: unknown;
    try {
      get('bad1');
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(Error);
    expect(() => get('bad1')).toThrow(first as Error);
    expect(made).toEqual(['bad1']);
  });

  it('lets go of the least recently used texts past its bound', () => {
    const { get, made } = counted(6);
    get('aa');
    get('bb');
    get('cc'); // 6 characters: all kept
    get('aa'); // used again: bb is now the oldest
    get('dd'); // 8 characters: bb goes
    expect(made).toEqual(['aa', 'bb', 'cc', 'dd']);
    get('aa');
    get('cc');
    get('dd');
    expect(made).toEqual(['aa', 'bb', 'cc', 'dd']);
    get('bb');
    expect(made).toEqual(['aa', 'bb', 'cc', 'dd', 'bb']);
  });

  it('keeps no text longer than its bound, and lets go of nothing for it', () => {
    const { get, made } = counted(4);
    get('ab');
    get('toolong');
    get('toolong');
    get('ab');
    expect(made).toEqual(['ab', 'toolong', 'toolong']);
  });
});
