/**
 * --kubernetes-version gates ValidatingAdmissionPolicy by API version: v1 needs 1.30 (GA), v1beta1
 * exists from 1.28 but is off by default before 1.30, v1alpha1 (1.26+) is an alpha API that is never
 * on by default. A policy or binding the target does not serve does not block; without a named
 * version the target is the newest polcov knows.
 */
import { auditFiles, located } from '../../helpers';
import { runCase, vap, where, type Case } from '../cel/fixtures';

const ALL_LISTS = `  validations:
    - expression: >-
        (object.spec.containers + object.spec.?initContainers.orValue([]) +
         object.spec.?ephemeralContainers.orValue([])).all(c, !c.?securityContext.?privileged.orValue(false))`;

/** A Deny-bound VAP whose policy and binding use the given admissionregistration.k8s.io versions. */
function versioned(policy: string, binding: string): string {
  const [p, b] = vap(ALL_LISTS).split('---');
  return [p!.replace('admissionregistration.k8s.io/v1\n', `admissionregistration.k8s.io/${policy}\n`), b!.replace('admissionregistration.k8s.io/v1\n', `admissionregistration.k8s.io/${binding}\n`)].join('---');
}

// [policy version, binding version, --kubernetes-version, blocking, what the action says when not blocking]
const table: [string, string, string | undefined, boolean, string][] = [
  ['v1', 'v1', undefined, true, ''],
  ['v1', 'v1', '1.30', true, ''],
  ['v1', 'v1', '1.34', true, ''],
  ['v1', 'v1', '1.29', false, 'ValidatingAdmissionPolicy v1 needs Kubernetes 1.30 (target 1.29)'],
  ['v1', 'v1', '1.27', false, 'ValidatingAdmissionPolicy v1 needs Kubernetes 1.30 (target 1.27)'],
  ['v1beta1', 'v1beta1', undefined, true, ''],
  ['v1beta1', 'v1beta1', '1.30', true, ''],
  ['v1beta1', 'v1beta1', '1.29', false, 'ValidatingAdmissionPolicy v1beta1 is off by default before Kubernetes 1.30'],
  ['v1beta1', 'v1beta1', '1.28', false, 'ValidatingAdmissionPolicy v1beta1 is off by default before Kubernetes 1.30'],
  ['v1beta1', 'v1beta1', '1.27', false, 'ValidatingAdmissionPolicy v1beta1 needs Kubernetes 1.28 (target 1.27)'],
  // No version named: the newest polcov knows, where v1alpha1 is still an alpha API, off by default.
  ['v1alpha1', 'v1alpha1', undefined, false, 'ValidatingAdmissionPolicy v1alpha1 is an alpha API, off by default'],
  ['v1alpha1', 'v1alpha1', '1.26', false, 'ValidatingAdmissionPolicy v1alpha1 is an alpha API, off by default'],
  ['v1alpha1', 'v1alpha1', '1.25', false, 'ValidatingAdmissionPolicy v1alpha1 needs Kubernetes 1.26 (target 1.25)'],
  // The binding is gated too: a v1 policy bound through v1beta1 on 1.29 denies nothing.
  ['v1beta1', 'v1', '1.29', false, 'ValidatingAdmissionPolicy v1beta1 is off by default'],
  ['v1', 'v1beta1', '1.34', true, ''],
  ['v1', 'v1beta1', '1.30', true, ''],
];

describe('ValidatingAdmissionPolicy API versions on the named Kubernetes version', () => {
  it.each(table)('policy %s, binding %s, target %s: blocking %s', (policy, bindingVersion, kubernetesVersion, blocking, says) => {
    const text = versioned(policy, bindingVersion);
    const result = auditFiles({ 'p.yaml': text }, kubernetesVersion ? { kubernetesVersion } : {});
    expect(result.errors).toEqual([]);
    expect(result.policies.map((p) => p.engine)).toEqual(['vap']);
    const e = result.policies[0]!.rules[0]!.enforcement;
    expect(e.blocking).toBe(blocking);
    const notes = located(result.findings, 'enforcement-not-blocking');
    if (blocking) {
      expect(notes).toEqual([]);
      expect(result.coverage.privileged.ephemeralContainers).toHaveLength(1);
      return;
    }
    expect(e.action).toContain(says);
    // The note points at the apiVersion of the manifest the target does not serve.
    expect(notes).toEqual([{ ruleId: 'enforcement-not-blocking', file: 'p.yaml', ...where(text, 'apiVersion:') }]);
    expect(result.coverage.privileged.containers).toEqual([]);
  });

  const cases: (Case & { kubernetesVersion: string })[] = [
    {
      name: 'a Deny binding the target does not serve: the note points at the binding apiVersion',
      files: { 'p.yaml': versioned('v1', 'v1alpha1') },
      fires: [{ ruleId: 'enforcement-not-blocking', at: 'apiVersion:', nth: 2, says: 'ValidatingAdmissionPolicyBinding v1alpha1 is an alpha API, off by default' }],
      kubernetesVersion: '1.30',
    },
    {
      name: 'two Deny bindings, one served: the served one blocks',
      files: { 'p.yaml': versioned('v1', 'v1') + '---' + versioned('v1', 'v1alpha1').split('---')[1]! },
      fires: [],
      silent: ['enforcement-not-blocking'],
      kubernetesVersion: '1.30',
    },
    {
      name: 'the policy apiVersion is reported before a missing binding',
      files: { 'p.yaml': versioned('v1', 'v1').split('---')[0]! },
      fires: [{ ruleId: 'enforcement-not-blocking', at: 'apiVersion:', says: 'ValidatingAdmissionPolicy v1 needs Kubernetes 1.30 (target 1.29)' }],
      kubernetesVersion: '1.29',
    },
  ];
  it.each(cases)('$name', (c) => runCase(c, { kubernetesVersion: c.kubernetesVersion }));
});
