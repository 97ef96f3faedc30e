/** Fail closed: an engine error on one document becomes an unanalyzable policy, not a crash. */
import type { EngineId, PolicyFacts } from '../facts';
import type { PolicyDoc } from './types';

export function unanalyzablePolicy(engine: EngineId, doc: PolicyDoc, reason: string): PolicyFacts {
  return {
    engine,
    policy: { kind: doc.kind, name: doc.name, ...(doc.namespace ? { namespace: doc.namespace } : {}) },
    at: doc.at,
    rules: [],
    exemptions: [],
    unanalyzable: [{ reason, at: doc.at }],
  };
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
