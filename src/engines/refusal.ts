/**
 * Documents the API server would not store as written: an apiVersion it does not serve for the
 * kind, or fields it drops or rejects. They enforce nothing of what the file says, so they are
 * reported (policy-unanalyzable) and never handed to their engine.
 */
import type { EngineId, PolicyFacts } from '../facts';
import { unanalyzablePolicy } from './guard';
import { schemaProblems } from './schema-check';
import { unserved } from './served';
import type { PolicyDoc } from './types';

export function refusal(engine: EngineId, d: PolicyDoc): PolicyFacts | undefined {
  const reason = unserved(d.apiVersion, d.kind);
  if (reason) return unanalyzablePolicy(engine, { ...d, at: d.yaml.ref(d.yaml.get(d.yaml.root, 'apiVersion'), d.at) }, reason);
  const invalid = schemaProblems(d);
  return invalid.length > 0 ? { ...unanalyzablePolicy(engine, d, invalid[0]!.reason), unanalyzable: invalid } : undefined;
}
