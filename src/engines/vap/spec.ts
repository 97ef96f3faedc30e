/**
 * The spec ValidatingAdmissionPolicy and Kyverno's ValidatingPolicy share: `matchConstraints`,
 * `matchConditions`, `variables` and `validations`. Each validation is a rule of its own, because a
 * guard (`request.operation == "UPDATE" || …`) hides only the validation it is written in. The
 * selectors in `matchConstraints` (and a binding's) narrow the policy's namespaces (`selectors.ts`).
 */
import type { AdmissionScope, Enforcement, EngineId, PolicyFacts } from '../../facts';
import { narrowScope, registrationScope } from '../admission/resource-rules';
import { CelPolicy } from '../cel';
import { nodeOsSelection } from '../node-os';
import type { PolicyDoc } from '../types';
import { applySelection, EVERYWHERE, intersect, readSelection, type Selection } from './selectors';

/**
 * `narrow` and `selection` come from a binding (VAP): what it lets through to the policy, and the
 * namespaces and pods its selectors pick.
 */
export function validatingSpecFacts(engine: EngineId, doc: PolicyDoc, enforcement: Enforcement, narrow?: AdmissionScope, selection: Selection = EVERYWHERE): PolicyFacts {
  const y = doc.yaml;
  const spec = y.get(y.root, 'spec');
  const facts: PolicyFacts = {
    engine,
    policy: { kind: doc.kind, name: doc.name, ...(doc.namespace ? { namespace: doc.namespace } : {}) },
    at: doc.at,
    rules: [],
    exemptions: [],
    unanalyzable: [],
  };
  const mc = y.get(spec, 'matchConstraints');
  if (!mc) facts.unanalyzable.push({ reason: 'spec.matchConstraints is missing, so no request reaches the policy', at: y.keyRef(y.root, 'spec') });
  const registered = registrationScope(y, y.get(mc, 'resourceRules'), y.keyRef(spec, 'matchConstraints'), y.get(mc, 'excludeResourceRules'));
  const scope = narrow ? narrowScope(registered, narrow) : registered;
  applySelection(facts, intersect(readSelection(y, mc), selection));
  const cel = new CelPolicy(y, y.get(spec, 'variables'));
  facts.unanalyzable.push(...cel.variableProblems());
  const conditions = cel.matchConditions(y.get(spec, 'matchConditions'));
  facts.unanalyzable.push(...conditions.problems);
  const skipped = scope.updateSkipped ?? conditions.updateSkipped;
  y.items(y.get(spec, 'validations')).forEach((item, i) => {
    const v = cel.validation(item);
    const updateSkipped = skipped ?? v.updateSkipped;
    const nodeOs = v.checks.some((c) => c.control === 'hostNamespaces') ? nodeOsSelection(y, [y.get(spec, 'matchConditions'), y.get(spec, 'variables'), item]) : undefined;
    facts.rules.push({
      name: `validations[${i}]`,
      at: y.ref(item),
      checks: v.checks,
      listRefs: v.listRefs,
      scope: { ...scope, ...(updateSkipped ? { updateSkipped } : {}) },
      enforcement,
      unanalyzable: v.unanalyzable,
      ...(v.forbidsEphemeral ? { forbidsEphemeral: v.forbidsEphemeral } : {}),
      ...(nodeOs ? { nodeOsSelection: nodeOs } : {}),
    });
  });
  return facts;
}
