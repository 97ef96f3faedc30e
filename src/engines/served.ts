/**
 * The API versions the API server serves for each policy kind polcov reads. An object of another
 * version is rejected by the API server (or, for a CRD, by the CRD's version list): it enforces
 * nothing, whatever its spec says. Engines accept any version of their group and kinds; the
 * audit reports the unserved ones instead of analysing them (engine adapters never see them).
 * Versions are those of Kubernetes (admissionregistration.k8s.io, policy), Kyverno's and
 * Gatekeeper's CRDs.
 */
interface Served {
  group: string;
  /** Kinds, or '*' for every kind of the group (Gatekeeper constraints: one CRD per template). */
  kinds: readonly string[] | '*';
  versions: readonly string[];
}

const SERVED: readonly Served[] = [
  { group: 'kyverno.io', kinds: ['ClusterPolicy', 'Policy'], versions: ['v1', 'v2beta1'] },
  { group: 'kyverno.io', kinds: ['PolicyException'], versions: ['v2alpha1', 'v2beta1', 'v2'] },
  { group: 'policies.kyverno.io', kinds: ['ValidatingPolicy', 'NamespacedValidatingPolicy'], versions: ['v1alpha1', 'v1beta1', 'v1'] },
  { group: 'templates.gatekeeper.sh', kinds: ['ConstraintTemplate'], versions: ['v1', 'v1beta1', 'v1alpha1'] },
  { group: 'constraints.gatekeeper.sh', kinds: '*', versions: ['v1', 'v1beta1', 'v1alpha1'] },
  { group: 'admissionregistration.k8s.io', kinds: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], versions: ['v1', 'v1beta1', 'v1alpha1'] },
  { group: 'admissionregistration.k8s.io', kinds: ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'], versions: ['v1', 'v1beta1'] },
  { group: 'policy', kinds: ['PodSecurityPolicy'], versions: ['v1beta1'] },
  { group: 'extensions', kinds: ['PodSecurityPolicy'], versions: ['v1beta1'] },
];

/** Why an object of this apiVersion and kind is never served, or undefined (served, or not a policy kind polcov knows). */
export function unserved(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const entry = SERVED.find((s) => s.group === group && (s.kinds === '*' || s.kinds.includes(kind)));
  if (!entry || entry.versions.includes(version)) return undefined;
  const known = entry.versions.map((v) => `${group}/${v}`).join(', ');
  return `apiVersion ${apiVersion} is not served for ${kind} (served: ${known}): the API server rejects it and it enforces nothing`;
}
