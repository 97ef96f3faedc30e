/**
 * Verbatim copies share one parse (src/discover/parse-reuse.ts): each copy's documents, errors and
 * findings must still name its own file.
 */
import * as path from 'node:path';
import { sharedParses } from '../../src/discover/parse-reuse';
import { auditFiles, PRIVILEGED_POLICY } from '../helpers';

const POLICY = PRIVILEGED_POLICY;

/** A key written twice: the file's one error. */
const DUPLICATE_KEY = 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nkind: ClusterPolicy\n';

/** A quoted value continued at its key's indentation: read leniently, with a warning. */
const LENIENT = 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: "a\n  b"\n';

describe('sharedParses', () => {
  it('parses a text once for all its copies, each named after its own file', () => {
    const parse = sharedParses([POLICY, POLICY, POLICY]);
    const [a, b, c] = ['a.yaml', 'b.yaml', 'c.yaml'].map((file) => parse({ path: file, text: POLICY }));
    expect([a, b, c].map((l) => l!.docs.map((d) => d.file))).toEqual([['a.yaml'], ['b.yaml'], ['c.yaml']]);
    expect(b!.docs[0]!.doc).toBe(a!.docs[0]!.doc);
    expect(c!.docs[0]!.doc).toBe(a!.docs[0]!.doc);
    expect(b!.docs[0]!.ref(b!.docs[0]!.root)).toEqual({ file: 'b.yaml', line: 1, column: 1 });
  });

  it('lets go of a parse once its last copy is read, and keeps none of a text read once', () => {
    const parse = sharedParses([POLICY, POLICY]);
    const first = parse({ path: 'a.yaml', text: POLICY }).docs[0]!.doc;
    expect(parse({ path: 'b.yaml', text: POLICY }).docs[0]!.doc).toBe(first);
    expect(parse({ path: 'c.yaml', text: POLICY }).docs[0]!.doc).not.toBe(first);
    const once = sharedParses([LENIENT]);
    const l1 = once({ path: 'x.yaml', text: LENIENT });
    expect(once({ path: 'y.yaml', text: LENIENT }).docs[0]!.doc).not.toBe(l1.docs[0]!.doc);
  });

  it.each([
    ['an error', DUPLICATE_KEY, 'error'],
    ['a lenient-read warning', LENIENT, 'warning'],
  ] as const)('a copy has its own %s', (_name, text, field) => {
    const parse = sharedParses([text, text]);
    const [a, b] = ['a.yaml', 'b.yaml'].map((file) => parse({ path: file, text }));
    expect(a![field]?.file).toBe('a.yaml');
    expect(b![field]).toEqual({ ...a![field], file: 'b.yaml' });
  });
});

describe('copies in a scan', () => {
  it('each copy of a policy has its facts and findings, at the same places, in its own file', () => {
    const r = auditFiles({ 'a/policy.yaml': POLICY, 'b/policy.yaml': POLICY });
    expect(r.policies.map((p) => path.relative(r.dir, p.at.file))).toEqual(['a/policy.yaml', 'b/policy.yaml']);
    const [a, b] = r.policies.map((p) => JSON.stringify(p));
    expect(b).not.toContain(`${path.sep}a${path.sep}`);
    expect(b).toBe(a!.split(`${path.sep}a${path.sep}`).join(`${path.sep}b${path.sep}`));
    // Per-policy findings (a set-level finding is reported once for the set).
    const at = (folder: string) =>
      r.findings.filter((f) => f.ruleId === 'init-containers-unchecked' && path.relative(r.dir, f.file) === `${folder}/policy.yaml`).map((f) => [f.line, f.column]);
    expect(at('a')).toEqual([[16, 13]]);
    expect(at('b')).toEqual(at('a'));
  });

  it('each broken copy is reported in its own file', () => {
    const r = auditFiles({ 'a/policy.yaml': DUPLICATE_KEY, 'b/policy.yaml': DUPLICATE_KEY });
    const broken = r.policies.filter((p) => p.unanalyzable.length > 0).map((p) => [path.relative(r.dir, p.at.file), p.at.line]);
    expect(broken).toEqual([
      ['a/policy.yaml', 3],
      ['b/policy.yaml', 3],
    ]);
  });
});
