/** Fail closed: an engine error on one document becomes an unanalyzable policy, not a crash. */
import * as path from 'node:path';
import type { EngineId, PolicyFacts, SourceRef } from '../facts';
import type { DocIdentity, PolicyDoc } from './types';

export function unanalyzablePolicy(engine: EngineId, doc: DocIdentity, reason: string): PolicyFacts {
  return {
    engine,
    policy: { kind: doc.kind, name: doc.name, ...(doc.namespace ? { namespace: doc.namespace } : {}) },
    at: doc.at,
    rules: [],
    exemptions: [],
    unanalyzable: [{ reason, at: doc.at }],
  };
}

/** A raw source file (e.g. `.rego`) polcov could not read or follow, as a policy named after the file. */
export function unanalyzableFile(engine: EngineId, kind: string, file: string, reason: string, at?: SourceRef): PolicyFacts {
  const where = at ?? { file, line: 1, column: 1 };
  return { engine, policy: { kind, name: path.posix.basename(file) }, at: where, rules: [], exemptions: [], unanalyzable: [{ reason, at: where }] };
}

/** Why analysing a document failed, in words for a policy-unanalyzable finding. */
export function failureReason(e: unknown): string {
  return e instanceof RangeError ? 'document is nested too deeply to analyse' : `analysis failed: ${(e as Error).message}`;
}

export function analyzeEach(engine: EngineId, docs: PolicyDoc[], fn: (doc: PolicyDoc) => PolicyFacts): PolicyFacts[] {
  return docs.map((doc) => {
    try {
      return fn(doc);
    } catch (e) {
      return unanalyzablePolicy(engine, doc, failureReason(e));
    }
  });
}
