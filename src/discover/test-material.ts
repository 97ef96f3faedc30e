/**
 * Test material of the ecosystem's test runners, which a cluster never runs as policy: chainsaw tests
 * (`.chainsaw-test/` folders, and any folder holding a chainsaw `Test`), Kyverno CLI tests
 * (`.kyverno-test/` folders, and the `resources` a `cli.kyverno.io` `Test` names) and gator suites (the
 * `object` and `inventory` files a `kind: Suite` names). A Kyverno test's `policies` and a suite's
 * `template` and `constraint` are the real policies (gatekeeper-library's `samples/*\/constraint.yaml`
 * are what a user applies) and stay in the scan.
 */
import * as path from 'node:path';
import type { Document } from 'yaml';
import { textMemo } from '../text-memo';
import { parseAllDocuments } from '../yaml-lib';
import type { SourceFile } from './walk';

/** Folders that hold only test material, by name. */
const TEST_DIRS = new Set(['.chainsaw-test', '.kyverno-test']);

export function inTestFolder(file: string): boolean {
  return file.split(/[\\/]/).slice(0, -1).some((d) => TEST_DIRS.has(d));
}

/** A Kyverno CLI test by its file name (the CLI looks for `kyverno-test.yaml`). */
export function namedAsKyvernoTest(file: string): boolean {
  return /(^|[\\/])kyverno-test\.ya?ml$/.test(file);
}

const TEST_DEFINITION = /test\.gatekeeper\.sh|cli\.kyverno\.io|chainsaw\.kyverno\.io/;

/** Whether a file can hold a test definition (a gator Suite, a Kyverno CLI or chainsaw Test). */
export function mayDefineTests(source: SourceFile): boolean {
  return TEST_DEFINITION.test(source.text);
}

type Definition = { group: string; o: Record<string, unknown> };

/** Definitions by text: a library that keeps a copy of each suite per version reads it once (read-only). */
const definitionsOf = textMemo<Definition[]>(2_000_000);

/** The test definitions in a source: its documents as plain data, with their API group. */
function definitions(source: SourceFile): Definition[] {
  if (!mayDefineTests(source)) return [];
  return definitionsOf(source.text, () => {
    const out: Definition[] = [];
    for (const doc of parseAllDocuments(source.text) as Document.Parsed[]) {
      const o = doc.errors.length > 0 ? undefined : plain(doc);
      if (o) out.push({ group: String(o.apiVersion ?? '').split('/')[0]!, o });
    }
    return out;
  });
}

const isSuite = (d: Definition): boolean => d.group === 'test.gatekeeper.sh' && d.o.kind === 'Suite';
const isKyvernoTest = (d: Definition): boolean => d.group === 'cli.kyverno.io' && d.o.kind === 'Test';

/** Paths named relative to a test definition, as display paths. */
const beside = (file: string, refs: unknown[]): string[] =>
  refs.filter((r): r is string => typeof r === 'string' && r !== '').map((r) => path.posix.normalize(path.posix.join(path.posix.dirname(file), r)));

/**
 * The display paths of the files that test definitions among `sources` name as test objects, and
 * the folders of chainsaw tests (never a scanned root itself: a chainsaw test at the top of a
 * repository does not make the repository a test).
 */
export function testReferences(sources: readonly SourceFile[], roots: readonly string[]): { files: Set<string>; folders: string[] } {
  const files = new Set<string>();
  const folders: string[] = [];
  const rootSet = new Set(roots.map((r) => path.resolve(r)));
  for (const s of sources) {
    const dir = path.posix.dirname(s.path);
    for (const d of definitions(s)) {
      const named = (refs: unknown[]): void => {
        files.add(s.path);
        for (const f of beside(s.path, refs)) files.add(f);
      };
      if (isSuite(d)) {
        const cases = list(d.o.tests).flatMap((t) => list(field(t, 'cases')));
        named(cases.flatMap((c) => [field(c, 'object'), ...list(field(c, 'inventory'))]));
      } else if (isKyvernoTest(d)) {
        named(list(d.o.resources));
      } else if (d.group === 'chainsaw.kyverno.io' && d.o.kind === 'Test' && !rootSet.has(path.resolve(dir))) {
        folders.push(`${dir}/`);
      }
    }
  }
  return { files, folders };
}

/** The display paths of the policies a test definition tests: a gator test's template and constraint, a Kyverno CLI test's policies. */
export function testedPolicies(source: SourceFile): string[] {
  return definitions(source).flatMap((d) => {
    if (isSuite(d)) return beside(source.path, list(d.o.tests).flatMap((t) => [field(t, 'template'), field(t, 'constraint')]));
    return isKyvernoTest(d) ? beside(source.path, list(d.o.policies)) : [];
  });
}

/** Splits sources into those read as policies and the test material left out. */
export function withoutTestMaterial(sources: SourceFile[], roots: readonly string[]): { kept: SourceFile[]; tests: SourceFile[] } {
  const refs = testReferences(sources, roots);
  const kept: SourceFile[] = [];
  const tests: SourceFile[] = [];
  for (const s of sources) {
    const isTest = inTestFolder(s.path) || refs.files.has(s.path) || refs.folders.some((f) => s.path.startsWith(f));
    (isTest ? tests : kept).push(s);
  }
  return { kept, tests };
}

/** A test definition as plain data; one that does not load names nothing. */
function plain(doc: Document.Parsed): Record<string, unknown> | undefined {
  try {
    const o: unknown = doc.toJS({ maxAliasCount: 100 });
    return o && typeof o === 'object' ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function field(o: unknown, key: string): unknown {
  return o && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
}
