/**
 * Template analyses shared between verbatim copies of one template file. gatekeeper-library keeps a
 * copy of each template per published version (`artifacthub/library/…/<version>/template.yaml`),
 * and repositories vendor libraries: the same text has the same lines and columns, so a copy's
 * analysis is the first one with the file named in its places changed. Analysis depends on nothing
 * else (the document's text, the constraint's parameters, the mode), which is what the key holds.
 */
import { lazy } from '../../lazy';
import { relocated } from './relocated';

interface Stored<T> {
  file: string;
  value: () => T;
}

/**
 * A memo for one scan: `get(text, start, file, key, analyse)` is analyse()'s result (a value taken
 * when needed, as analyses may run on another thread) for the document starting at `start` in a
 * file with `text`, from any file with that text analysed under `key`.
 */
export function templateMemo<T>() {
  const byText = new Map<string, Map<string, Stored<T>>>();
  return (text: string, start: number, file: string, key: string, analyse: () => () => T): (() => T) => {
    const byKey = byText.get(text) ?? byText.set(text, new Map()).get(text)!;
    const fullKey = `${start}\0${key}`;
    const stored = byKey.get(fullKey);
    if (!stored) {
      const value = analyse();
      byKey.set(fullKey, { file, value });
      return value;
    }
    if (stored.file === file) return stored.value;
    const { value, file: from } = stored;
    return lazy(() => relocated(value(), from, file));
  };
}
