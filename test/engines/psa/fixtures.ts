/** Pod Security fixtures: a labelled Namespace and an AdmissionConfiguration with the PodSecurity plugin. */
import { yaml } from '../../helpers';

export function namespace(name: string, labels: Record<string, string>): string {
  return [
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${name}`,
    '  labels:',
    ...Object.entries(labels).map(([k, v]) => `    pod-security.kubernetes.io/${k}: ${v}`),
    '',
  ].join('\n');
}

/** An AdmissionConfiguration; `defaults` and `exemptions` are YAML lines indented for their map. */
export function config(defaults: string, exemptions = ''): string {
  return [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: AdmissionConfiguration',
    'plugins:',
    '  - name: PodSecurity',
    '    configuration:',
    '      apiVersion: pod-security.admission.config.k8s.io/v1',
    '      kind: PodSecurityConfiguration',
    '      defaults:',
    defaults,
    ...(exemptions ? ['      exemptions:', exemptions] : []),
    '',
  ].join('\n');
}

/** `key: value` lines for the `defaults` map of `config`. */
export const defaults = (entries: Record<string, string>): string =>
  Object.entries(entries)
    .map(([k, v]) => `        ${k}: ${v}`)
    .join('\n');

/** A cluster-wide Kyverno policy blocking hostProcess everywhere (pod level and all lists). */
export const KYVERNO_HOST_PROCESS = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: host-process
  spec:
    validationFailureAction: Enforce
    rules:
      - name: r
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          podSecurity:
            level: baseline
`;
