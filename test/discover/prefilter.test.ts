import fc from 'fast-check';
import { parse } from 'yaml';
import { decodedEscapes, mayName } from '../../src/discover/prefilter';

const MARKER = /kyverno\.io|pod-security\.kubernetes\.io\//;

describe('decodedEscapes decodes as a double-quoted YAML scalar does', () => {
  it.each([
    ['kyverno\\u002eio', 'kyverno.io'],
    ['kyverno\\x2eio', 'kyverno.io'],
    ['kyverno\\U0000002eio', 'kyverno.io'],
    ['kyverno.\\\n    io', 'kyverno.io'],
    ['kyverno.\\\r\n\tio', 'kyverno.io'],
    ['pod-security.kubernetes.io\\/enforce', 'pod-security.kubernetes.io/enforce'],
    ['a\\\\u002e', 'a\\u002e'],
    ['\\t\\n\\"\\ ', '\t\n" '],
  ])('%j decodes to %j', (text, decoded) => {
    expect(decodedEscapes(text)).toBe(decoded);
  });
});

describe('mayName: the prefilter skips a file only when no decoding of it names a marker', () => {
  it.each([
    ['the marker as written', 'apiVersion: kyverno.io/v1'],
    ['a \\u escape', 'apiVersion: "kyverno\\u002eio/v1"'],
    ['an escaped line break', 'apiVersion: "kyverno.\\\n  io/v1"'],
    ['an escaped slash in a JSON key', '{"pod-security.kubernetes.io\\/enforce": "privileged"}'],
    ['a !!binary scalar', 'apiVersion: !!binary a3l2ZXJuby5pby92MQ=='],
    ['a %-escaped !!binary tag', 'apiVersion: !!bin%61ry a3l2ZXJuby5pby92MQ=='],
    ['a verbatim tag', 'apiVersion: !<tag:yaml.org,2002:binary> a3l2ZXJuby5pby92MQ=='],
    ['a %TAG directive', '%TAG !e! tag:yaml.org,2002:\n---\napiVersion: !e!binary a3l2ZXJuby5pby92MQ=='],
    ['an escape after plain scalars ending in backslashes', 'note: a\\\npath: [b\\, c\\\\]\napiVersion: "kyverno\\u002eio/v1"'],
    ['an escape after a single-quoted backslash', "pattern: '\\\\'\napiVersion: \"kyverno\\x2eio/v1\""],
  ])('%s: read', (_name, text) => {
    expect(mayName(text, MARKER)).toBe(true);
  });

  it.each([
    ['no marker', 'kind: CustomResourceDefinition\nspec: {}'],
    ['backslashes that decode to no marker', 'pattern: "^[a-z]\\\\.[0-9]+$"\ndescription: a\\b'],
    ['the word binary in prose', 'description: the binary is signed'],
    ['a marker split by an escaped character', 'apiVersion: "kyverno\\n.io/v1"'],
  ])('%s: skipped', (_name, text) => {
    expect(mayName(text, MARKER)).toBe(false);
  });
});

describe('property: whatever escapes spell a marker, the prefilter reads the file', () => {
  // One character of a double-quoted scalar, written as itself or as any escape that decodes to it.
  const spelled = (ch: string): fc.Arbitrary<string> => {
    const code = ch.codePointAt(0)!;
    const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
    return fc.constantFrom(ch, `\\x${hex(code, 2)}`, `\\u${hex(code, 4)}`, `\\U${hex(code, 8)}`, `\\x${hex(code, 2).toUpperCase()}`, ...(ch === '/' ? ['\\/'] : []));
  };
  // Between two characters: nothing, or an escaped line break with the next line indented.
  const joint = fc.constantFrom('', '\\\n    ', '\\\r\n  ');
  const quoted = (text: string): fc.Arbitrary<string> =>
    fc.tuple(...[...text].map((ch) => fc.tuple(spelled(ch), joint))).map((parts) => `"${parts.map(([c, j]) => c + j).join('')}"`);
  // Lines with backslashes that mean nothing: plain and single-quoted scalars, comments.
  const noise = (side: string): fc.Arbitrary<string[]> =>
    fc
      .array(fc.constantFrom('a\\', "'\\\\'", '[b\\, c\\\\]', '^[a-z]\\.x$', '"\\\\"', 'x # a comment \\'), { maxLength: 4 })
      .map((values) => values.map((v, i) => `${side}${i}: ${v}`));

  it('an apiVersion whose characters are escaped at random', () => {
    fc.assert(
      fc.property(noise('before'), quoted('kyverno.io/v1'), noise('after'), (before, apiVersion, after) => {
        const text = [...before, `apiVersion: ${apiVersion}`, 'kind: ClusterPolicy', ...after, ''].join('\n');
        // The generator writes YAML that decodes to the marker (else the property says nothing).
        expect((parse(text) as { apiVersion: string }).apiVersion).toBe('kyverno.io/v1');
        expect(mayName(text, MARKER)).toBe(true);
      }),
      { seed: 2020, numRuns: Number(process.env.POLCOV_FUZZ_RUNS ?? 300) },
    );
  });
});
