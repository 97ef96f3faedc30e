/**
 * A bounded memo of a pure function of a text: parsing the same source again (a template's Rego
 * checked, then analysed per constraint's parameters, then evaluated; a library that keeps a copy
 * per version) costs a lookup. The result is shared, so it must be treated as read-only; a thrown
 * error is remembered and thrown again. The least recently used texts are let go of past `maxChars`
 * characters of keys, so that a long-running process does not keep every text it ever parsed.
 */
type Outcome<T> = { value: T } | { error: unknown };

export function textMemo<T>(maxChars: number): (key: string, make: () => T) => T {
  const kept = new Map<string, Outcome<T>>();
  let chars = 0;
  return (key, make) => {
    let outcome = kept.get(key);
    if (outcome) {
      kept.delete(key); // re-inserted below: the most recently used come last
      kept.set(key, outcome);
    } else {
      outcome = run(make);
      if (key.length <= maxChars) {
        kept.set(key, outcome);
        chars += key.length;
        for (const [old] of kept) {
          if (chars <= maxChars) break;
          kept.delete(old);
          chars -= old.length;
        }
      }
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}

function run<T>(make: () => T): Outcome<T> {
  try {
    return { value: make() };
  } catch (error) {
    return { error };
  }
}
