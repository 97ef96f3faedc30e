/**
 * Issue 14 "done when": a property-based suite over the whole audit() with mutated real policies
 * from ../shared/corpus. Every mutation: no crash, no hang. Mutations that certainly break a
 * covering policy (an unserved apiVersion, a typo in a key the API server then prunes, Rego OPA
 * refuses to compile): the coverage it had is gone, or a finding says why it is kept (the
 * fail-open invariant). Runs with a fixed seed and few runs in CI; `npm run fuzz` runs it longer
 * (POLCOV_FUZZ_RUNS, POLCOV_FUZZ_SEED, POLCOV_FUZZ_HANG_MS).
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit, type AuditResult } from '../../src/audit';
import type { SourceFile } from '../../src/discover/walk';

const CORPUS = path.join('..', 'shared', 'corpus');
const RUNS = Number(process.env.POLCOV_FUZZ_RUNS ?? 60);
const SEED = process.env.POLCOV_FUZZ_SEED === 'random' ? Date.now() : Number(process.env.POLCOV_FUZZ_SEED ?? 1414);
/** A run slower than this is a hang. Generous by default: the machine running CI may be busy. */
const HANG_MS = Number(process.env.POLCOV_FUZZ_HANG_MS ?? 10_000);

interface Seed {
  name: string;
  files: SourceFile[];
  /** The file the mutations break (the policy; the constraint beside a template is left alone). */
  target: number;
  /** `control.location` cells the unbroken policy covers. */
  covered: string[];
}

const corpus = fs.existsSync(CORPUS);
const read = (rel: string): SourceFile => ({ path: path.join(CORPUS, rel), text: fs.readFileSync(path.join(CORPUS, rel), 'utf8') });
/** The corpus ships Kyverno policies in Audit mode: enforced, so that they cover something to break. */
const enforced = (f: SourceFile): SourceFile => ({
  ...f,
  text: f.text.replace(/(validationFailureAction|failureAction): Audit/g, '$1: Enforce').replace(/(validationActions:\s*(?:\[\s*|-\s*))Audit/g, '$1Deny'),
});
const run = (files: SourceFile[]): AuditResult => audit({ paths: [], sources: files });

function coveredCells(r: AuditResult): string[] {
  return Object.entries(r.coverage).flatMap(([control, cells]) =>
    Object.entries(cells as Record<string, unknown[]>).flatMap(([location, entries]) => (entries.length > 0 ? [`${control}.${location}`] : [])),
  );
}

function subdirs(rel: string): string[] {
  const abs = path.join(CORPUS, rel);
  return fs.existsSync(abs) ? fs.readdirSync(abs).filter((d) => fs.statSync(path.join(abs, d)).isDirectory()).sort().map((d) => `${rel}/${d}`) : [];
}

function seeds(): Seed[] {
  const candidates: { name: string; files: SourceFile[]; target: number }[] = [];
  for (const folder of ['kyverno-policies/pod-security/baseline', 'kyverno-policies/pod-security-cel/baseline', 'kyverno-policies/pod-security-vpol/baseline']) {
    for (const dir of subdirs(folder)) {
      const name = path.basename(dir);
      const file = `${dir}/${name}.yaml`;
      if (fs.existsSync(path.join(CORPUS, file))) candidates.push({ name: file, files: [enforced(read(file))], target: 0 });
    }
  }
  for (const dir of subdirs('gatekeeper-library/library/pod-security-policy')) {
    const sample = subdirs(`${dir}/samples`)[0];
    if (!fs.existsSync(path.join(CORPUS, dir, 'template.yaml')) || !sample || !fs.existsSync(path.join(CORPUS, sample, 'constraint.yaml'))) continue;
    candidates.push({ name: `${dir}/template.yaml`, files: [read(`${dir}/template.yaml`), read(`${sample}/constraint.yaml`)], target: 0 });
  }
  // Raw Rego as kept beside the templates: the policy and its libs.
  for (const dir of subdirs('gatekeeper-library/src/pod-security-policy')) {
    const abs = path.join(CORPUS, dir);
    if (!fs.existsSync(path.join(abs, 'src.rego'))) continue;
    const libs = fs.readdirSync(abs).filter((f) => f.startsWith('lib_') && f.endsWith('.rego')).sort();
    candidates.push({ name: `${dir}/src.rego`, files: [read(`${dir}/src.rego`), ...libs.map((l) => read(`${dir}/${l}`))], target: 0 });
  }
  return candidates.flatMap((c) => {
    const r = run(c.files);
    const covered = coveredCells(r);
    const clean = !r.findings.some((f) => f.ruleId === 'policy-unanalyzable') && r.errors.length === 0;
    // Counterexamples print the name, not the files.
    return covered.length > 0 && clean ? [{ ...c, covered, [fc.toStringMethod]: () => c.name }] : [];
  });
}

/** A mutation of one file's text; `breaks` when the API server or the engine would no longer enforce the policy as written. */
interface Mutation {
  what: string;
  breaks: boolean;
  apply(text: string): string | undefined;
}

const named = (m: Mutation): Mutation => Object.assign(m, { [fc.toStringMethod]: () => m.what });

const lines = (t: string): string[] => t.split('\n');

/** The first `key:` (as a mapping key, in a list item or not) renamed to a typo: Kubernetes prunes it. */
const keyTypo = (key: string): Mutation => ({
  what: `typo in ${key}`,
  breaks: true,
  apply: (t) => {
    const re = new RegExp(`^(\\s*(?:- )?)${key}:`, 'm');
    return re.test(t) ? t.replace(re, `$1${key.slice(0, -1)}:`) : undefined;
  },
});

const BREAKING: Mutation[] = [
  {
    what: 'unserved apiVersion',
    breaks: true,
    apply: (t) => t.replace(/^apiVersion: ([\w.-]+)\/\w+$/m, 'apiVersion: $1/v9'),
  },
  ...['rules', 'validate', 'match', 'targets', 'rego', 'validations'].map(keyTypo),
  {
    what: 'Rego calling an undefined function',
    breaks: true,
    apply: (t) => (/^(\s*)violation\[.*\{\s*$/m.test(t) ? t.replace(/^(\s*)(violation\[.*\{)\s*$/m, '$1$2\n$1  polcov_undefined_function(input.review)') : undefined),
  },
  {
    what: 'Rego using an unbound variable',
    breaks: true,
    apply: (t) => (/^(\s*)violation\[.*\{\s*$/m.test(t) ? t.replace(/^(\s*)(violation\[.*\{)\s*$/m, '$1$2\n$1  polcov_unbound_variable > 1') : undefined),
  },
];

const HOSTILE = ['<<: *a', '&a [*a, *a, *a]', '{{', '"\\u002e"', '- ' + '['.repeat(300), 'k: ' + '1 + '.repeat(500) + '1', '\r', '\t', '---', '...'];

/** Mutations that may or may not break the policy: only crashes and hangs are judged. */
const noise = (): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ at: fc.nat(), n: fc.integer({ min: 1, max: 5 }) }).map(({ at, n }): Mutation => named({
      what: `delete ${n} lines`,
      breaks: false,
      apply: (t) => {
        const l = lines(t);
        l.splice(at % l.length, n);
        return l.join('\n');
      },
    })),
    fc.record({ at: fc.nat(), snippet: fc.constantFrom(...HOSTILE) }).map(({ at, snippet }): Mutation => named({
      what: `insert ${JSON.stringify(snippet.slice(0, 20))}`,
      breaks: false,
      apply: (t) => {
        const l = lines(t);
        const i = at % l.length;
        l.splice(i, 0, (l[i]!.match(/^\s*/)?.[0] ?? '') + snippet);
        return l.join('\n');
      },
    })),
    fc.record({ at: fc.nat(), c: fc.string({ minLength: 1, maxLength: 3 }) }).map(({ at, c }): Mutation => named({
      what: `replace a character with ${JSON.stringify(c)}`,
      breaks: false,
      apply: (t) => {
        const i = at % t.length;
        return t.slice(0, i) + c + t.slice(i + 1);
      },
    })),
    fc.nat().map((at): Mutation => named({ what: `truncate at ${at}`, breaks: false, apply: (t) => t.slice(0, at % t.length) })),
  );

(corpus ? describe : describe.skip)('audit() on mutated corpus policies', () => {
  const all = corpus ? seeds() : [];

  test('the corpus gives covering policies to mutate: Kyverno, CEL, Gatekeeper templates and raw Rego', () => {
    expect(all.length).toBeGreaterThan(10);
    const kinds = (re: RegExp): number => all.filter((s) => re.test(s.name)).length;
    expect([/^kyverno-policies\/pod-security\//, /-(cel|vpol)\//, /template\.yaml$/, /\.rego$/].map(kinds).every((n) => n > 0)).toBe(true);
  });

  test('no crash, no hang, and a broken covering policy never keeps its coverage silently', () => {
    fc.assert(
      // A breaking mutation alone (noise could undo it), or a few noise mutations.
      fc.property(fc.constantFrom(...all), fc.oneof(fc.constantFrom(...BREAKING.map(named)).map((m) => [m]), fc.array(noise(), { minLength: 1, maxLength: 3 })), (seed, mutations) => {
        let text = seed.files[seed.target]!.text;
        const applied: Mutation[] = [];
        for (const m of mutations) {
          const next = m.apply(text);
          if (next === undefined || next === text) continue;
          text = next;
          applied.push(m);
        }
        const files = seed.files.map((f, i) => (i === seed.target ? { ...f, text } : f));
        const started = Date.now();
        const r = run(files);
        const ms = Date.now() - started;
        if (ms > HANG_MS) throw new Error(`${seed.name} after ${applied.map((m) => m.what).join(', ')}: ${ms} ms`);
        if (!applied.some((m) => m.breaks)) return;
        const kept = coveredCells(r).filter((c) => seed.covered.includes(c));
        const explained = r.findings.some((f) => f.ruleId === 'policy-unanalyzable') || r.errors.length > 0;
        if (kept.length > 0 && !explained) {
          throw new Error(`${seed.name} after ${applied.map((m) => m.what).join(', ')} still covers ${kept.join(', ')} with no finding`);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});

if (!corpus) {
  test.skip(`../shared/corpus is absent: the mutation suite needs the policy corpus (${CORPUS})`, () => undefined);
}
