/**
 * Controls the catalogue had missed or mislabelled (issue 9 item 8): read-only hostPath mounts,
 * imagePullPolicy (not the image control), AppArmor annotations (no debug container has one), and
 * presence-only checks (`"?*"` and CEL `has()` give the same verdict).
 */
import { auditFiles, located } from '../helpers';
import { checked, runCase, vapExpr, type Case } from '../engines/cel/fixtures';
import { template } from '../engines/gatekeeper/helpers';
import { patternPolicy } from '../engines/kyverno/fixtures';

const HOST_FILESYSTEM = `package hostfs

violation[{"msg": msg}] {
  not is_update(input.review)
  volume := input.review.object.spec.volumes[_]
  volume.hostPath
  c := input_containers[_]
  mount := c.volumeMounts[_]
  mount.name == volume.name
  not mount.readOnly
  msg := sprintf("hostPath %v mounted read-write", [volume.name])
}

input_containers[c] { c := input.review.object.spec.containers[_] }
input_containers[c] { c := input.review.object.spec.initContainers[_] }
input_containers[c] { c := input.review.object.spec.ephemeralContainers[_] }

is_update(review) { review.operation == "UPDATE" }
`;

const PSP = `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: ro-host
spec:
  privileged: false
  volumes: [hostPath, configMap]
  allowedHostPaths:
    - pathPrefix: /var/log
      readOnly: true
`;

const cases: Case[] = [
  {
    name: 'read-only hostPath mounts checked in containers only: a debug container can mount read-write',
    files: { 'p.yaml': vapExpr('object.spec.containers.all(c, c.?volumeMounts.orValue([]).all(m, m.?readOnly.orValue(false)))') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers', says: 'checks hostPathReadOnly in containers' }],
  },
  {
    name: 'a host-filesystem template that skips UPDATE leaves debug mounts unchecked',
    files: { 'hostfs.yaml': template(HOST_FILESYSTEM) },
    fires: [{ ruleId: 'ephemeral-update-skipped', at: 'not is_update(input.review)' }],
  },
  {
    name: 'imagePullPolicy required for latest images is not an image check',
    files: { 'p.yaml': vapExpr('object.spec.containers.all(c, c.image.endsWith(":latest") ? c.imagePullPolicy == "Always" : true)') },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'AppArmor annotations read per container name: no debug container has one, no registration gap',
    files: {
      'p.yaml': vapExpr(
        'object.spec.containers.all(c, object.metadata.?annotations[?("container.apparmor.security.beta.kubernetes.io/" + c.name)].orValue("runtime/default") != "unconfined")',
        { resources: '["pods"]' },
      ),
    },
    fires: [],
    silent: ['ephemeral-subresource-unmatched', 'ephemeral-containers-unchecked'],
  },
];

describe('catalogue controls', () => {
  it.each(cases)('$name', (c) => runCase(c));

  it('PSP allowedHostPaths all read-only: mounts must be read-only in every list', () => {
    expect(checked({ 'psp.yaml': PSP }).filter((c) => c.startsWith('hostPathReadOnly'))).toEqual(
      ['hostPathReadOnly@containers', 'hostPathReadOnly@ephemeralContainers', 'hostPathReadOnly@initContainers'],
    );
    expect(checked({ 'psp.yaml': PSP.replace('readOnly: true', 'readOnly: false') }).filter((c) => c.startsWith('hostPathReadOnly'))).toEqual([]);
  });

  it('the condition of `cond ? x : true` selects; `cond ? false : true` is a check', () => {
    expect(checked({ 'p.yaml': vapExpr('object.spec.containers.all(c, c.image.startsWith("trusted/") ? true : !c.?securityContext.?privileged.orValue(false))') })).toEqual(
      ['privileged@containers'],
    );
    expect(checked({ 'p.yaml': vapExpr('object.spec.?hostNetwork.orValue(false) ? false : true') })).toEqual(['hostNamespaces@pod']);
  });

  it('imagePullPolicy and the AppArmor annotation are read as the controls they are', () => {
    expect(checked({ 'p.yaml': vapExpr('object.spec.containers.all(c, c.image.endsWith(":latest") ? c.imagePullPolicy == "Always" : true)') })).toEqual([]);
    expect(
      checked({ 'p.yaml': vapExpr('object.spec.containers.all(c, object.metadata.?annotations[?("container.apparmor.security.beta.kubernetes.io/" + c.name)].orValue("") != "unconfined")') }),
    ).toEqual(['appArmorProfile@pod']);
  });

  it.each([
    ['required resources on ephemeral containers', 'ephemeralContainers', 'resources', 'ephemeral-field-not-settable'],
    ['runAsNonRoot present on containers only', 'containers', 'securityContext', 'ephemeral-containers-unchecked'],
  ])('"?*" and has() give the same verdict: %s', (_name, list, field, ruleId) => {
    const kyv = patternPolicy(
      field === 'resources'
        ? `          spec:\n            =(${list}):\n              - resources:\n                  limits:\n                    memory: "?*"`
        : `          spec:\n            ${list}:\n              - securityContext:\n                  runAsNonRoot: "?*"`,
    );
    const path = field === 'resources' ? 'c.resources.limits.memory' : 'c.securityContext.runAsNonRoot';
    const cel = vapExpr(`object.spec.?${list}.orValue([]).all(c, has(${path}))`);
    const ids = (text: string): string[] => [...new Set(located(auditFiles({ 'p.yaml': text }).findings).map((f) => f.ruleId))].filter((id) => id === ruleId);
    expect(ids(cel)).toEqual(ids(kyv));
    // Both demand the field: a requirement a debug container cannot meet, not a security constraint.
    expect(ids(kyv)).toEqual(field === 'resources' ? [ruleId] : []);
  });
});
