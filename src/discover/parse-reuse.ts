/**
 * Parses shared between files with the same text. Libraries keep verbatim copies (gatekeeper-library
 * keeps each template and suite once per published version; vendored folders repeat whole
 * libraries): a copy's documents are the first parse's syntax trees, named after the copy. Trees are
 * read-only once parsed, and nothing keys on their identity across files. A parse is kept only while
 * copies of its text are still to be read, and within a bound, so memory holds only the copies in
 * flight.
 */
import { readYaml, type LoadedYaml } from './yaml-doc';
import type { SourceFile } from './walk';

/** Characters of text whose parses may be kept at once (the trees take about nine bytes per character). */
const MAX_KEPT_CHARS = 8_000_000;

/** A parser for the files with `texts` (each text as many times as it will be read). */
export function sharedParses(texts: Iterable<string>): (f: SourceFile) => LoadedYaml {
  const toRead = new Map<string, number>();
  for (const t of texts) toRead.set(t, (toRead.get(t) ?? 0) + 1);
  const kept = new Map<string, LoadedYaml>();
  let keptChars = 0;
  return (f) => {
    const left = (toRead.get(f.text) ?? 1) - 1;
    if (left > 0) toRead.set(f.text, left);
    else toRead.delete(f.text);
    const first = kept.get(f.text);
    if (first && left === 0) {
      kept.delete(f.text);
      keptChars -= f.text.length;
    }
    if (first) return renamed(first, f.path);
    const loaded = readYaml(f);
    if (left > 0 && keptChars + f.text.length <= MAX_KEPT_CHARS) {
      kept.set(f.text, loaded);
      keptChars += f.text.length;
    }
    return loaded;
  };
}

function renamed(loaded: LoadedYaml, file: string): LoadedYaml {
  return {
    docs: loaded.docs.map((d) => d.renamed(file)),
    ...(loaded.error ? { error: { ...loaded.error, file } } : {}),
    ...(loaded.warning ? { warning: { ...loaded.warning, file } } : {}),
  };
}
