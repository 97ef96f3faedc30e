/**
 * Where embedded Rego is in its file, as plain data: the worker thread (template-pool.ts) gets the
 * place as a structured clone and must locate every Rego position where the main thread does, on
 * the character the position names.
 */
import { loadYaml } from '../../../src/discover/yaml-doc';
import { embeddedRego, locator } from '../../../src/engines/gatekeeper/rego-source';

const REGO = ['package k8sdemo', '', 'violation[{"msg": msg}] {', '  input.review.object.spec.hostNetwork', '  msg := "no"', '}'];

/** Each style of YAML scalar a template's Rego is written in, as the value of `rego`. */
const STYLES: { style: string; yaml: string }[] = [
  { style: 'literal block', yaml: `rego: |\n${REGO.map((l) => (l ? `    ${l}` : '')).join('\n')}\n` },
  { style: 'literal block, indented deeper', yaml: `x:\n  rego: |-\n${REGO.map((l) => (l ? `      ${l}` : '')).join('\n')}\nafter: 1\n` },
  { style: 'double-quoted, escaped', yaml: `rego: ${JSON.stringify(REGO.join('\n'))}\n` },
  { style: 'single-quoted, folded', yaml: `rego: '${REGO.map((l) => l.replace(/'/g, "''")).join('\n\n  ')}'\n` },
  { style: 'folded block', yaml: `rego: >\n${REGO.map((l) => (l ? `  ${l}` : '')).join('\n\n')}\n` },
];

/** Every position in a Rego text: line and column (1-based) and offset, of each character but line breaks. */
function positions(text: string): { line: number; column: number; offset: number }[] {
  const out: { line: number; column: number; offset: number }[] = [];
  let [line, column] = [1, 1];
  for (let offset = 0; offset < text.length; offset++) {
    if (text[offset] === '\n') {
      [line, column] = [line + 1, 1];
      continue;
    }
    out.push({ line, column, offset });
    column++;
  }
  return out;
}

describe('a Rego place', () => {
  it.each(STYLES)('in a $style: every position, located from a copy of the place, is where the main thread locates it', ({ yaml }) => {
    const [doc] = loadYaml({ path: 'template.yaml', text: yaml }, []);
    const node = doc!.at(doc!.root, 'x', 'rego') ?? doc!.at(doc!.root, 'rego');
    const rego = embeddedRego(doc!, node)!;
    const [here, copied] = [locator(rego.place), locator(structuredClone(rego.place))];
    const all = positions(rego.text);
    expect(all.length).toBeGreaterThan(50);
    for (const pos of all) expect(copied(pos)).toEqual(here(pos));
    expect(copied(all[0]!)).toMatchObject({ file: 'template.yaml' });
  });

  it.each(STYLES.filter((s) => !s.style.startsWith('double')))('in a $style: a located position is on the character it names', ({ yaml }) => {
    const [doc] = loadYaml({ path: 'template.yaml', text: yaml }, []);
    const node = doc!.at(doc!.root, 'x', 'rego') ?? doc!.at(doc!.root, 'rego');
    const rego = embeddedRego(doc!, node)!;
    const locate = locator(structuredClone(rego.place));
    const lines = yaml.split('\n');
    for (const pos of positions(rego.text)) {
      const at = locate(pos);
      expect({ pos, char: lines[at.line - 1]![at.column - 1] }).toEqual({ pos, char: rego.text[pos.offset] });
    }
  });

  it('of a scalar without a range (an alias target is read, not written here) is that scalar`s own place', () => {
    const place = { fixed: { file: 'template.yaml', line: 3, column: 9 } };
    const locate = locator(structuredClone(place));
    expect(locate({ line: 7, column: 2, offset: 90 })).toEqual(place.fixed);
    // Each position is its own object: results that keep it are not tied together.
    expect(locate({ line: 1, column: 1, offset: 0 })).not.toBe(locate({ line: 1, column: 1, offset: 0 }));
  });
});
