/** Which controls a field read touches: the field itself or below it, never a parent object. */
import { controlsForContainerField, controlsForPodField, controlsAtLevel } from '../../src/catalog/controls';

describe('field reads to controls', () => {
  it.each([
    ['securityContext.privileged', ['privileged']],
    ['securityContext.capabilities.add', ['capabilities_baseline', 'capabilities_restricted']],
    ['securityContext.capabilities.drop', ['capabilities_restricted']],
    ['securityContext.windowsOptions.hostProcess', ['windowsHostProcess']],
    ['securityContext.seLinuxOptions.type', ['seLinuxOptions']],
    ['livenessProbe.httpGet.host', ['hostProbesAndHostLifecycle', 'probes']],
    ['image', ['image']],
    // A presence test of a parent object checks nothing in particular.
    ['securityContext', []],
    ['securityContext.capabilities', []],
    ['', []],
  ])('container field %s', (field, controls) => {
    expect(controlsForContainerField(field).sort()).toEqual([...controls].sort());
  });

  it.each([
    ['spec.hostNetwork', ['hostNamespaces']],
    ['spec.securityContext.windowsOptions.hostProcess', ['windowsHostProcess']],
    ['spec.volumes.hostPath', ['hostPathVolumes', 'restrictedVolumes']],
    ['metadata.annotations.container.apparmor.security.beta.kubernetes.io/app', ['appArmorProfile']],
    ['metadata.annotations.team', []],
    ['spec.securityContext', []],
    ['spec', []],
  ])('pod field %s', (field, controls) => {
    expect(controlsForPodField(field).sort()).toEqual([...controls].sort());
  });

  it('baseline at 1.33 leaves out the probe-host check added in 1.34; restricted includes baseline', () => {
    const ids = (level: 'baseline' | 'restricted', minor: number): string[] => controlsAtLevel(level, minor).map((c) => c.id);
    expect(ids('baseline', 33)).not.toContain('hostProbesAndHostLifecycle');
    expect(ids('baseline', 34)).toContain('hostProbesAndHostLifecycle');
    expect(ids('restricted', 34)).toEqual(expect.arrayContaining([...ids('baseline', 34), 'runAsNonRoot', 'capabilities_restricted']));
    expect(ids('restricted', 22)).not.toContain('runAsUser');
  });
});
