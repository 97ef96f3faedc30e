import { control } from '../catalog/controls';
import { missingListFindings } from './shared/container-lists';
import { ephemeralReach } from './shared/versions';
import type { RuleModule } from './types';

const HINTS: Record<string, string> = {
  kyverno:
    'add an =(ephemeralContainers) entry with the same checks, or foreach over request.object.spec.[ephemeralContainers, initContainers, containers][] (in CEL: add object.spec.?ephemeralContainers.orValue([]) to the lists iterated)',
  vap: 'iterate object.spec.?ephemeralContainers.orValue([]) too, e.g. through a variable joining all three lists',
  'kyverno-cel': 'iterate object.spec.?ephemeralContainers.orValue([]) too, e.g. through a variable joining all three lists',
  psp: 'PSPs cannot see ephemeral containers; enforce the control with Pod Security Admission or a policy engine',
  gatekeeper: 'iterate input.review.object.spec.ephemeralContainers too, e.g. in the helper that collects the containers',
  rego: 'iterate spec.ephemeralContainers too, e.g. in the helper that collects the containers',
};

export const rule: RuleModule = {
  meta: {
    id: 'ephemeral-containers-unchecked',
    severity: 'error',
    feature: 'ephemeralContainers',
    summary: 'A control is checked in containers or initContainers but never in ephemeralContainers',
  },
  check: (ctx) =>
    missingListFindings(
      ctx,
      'ephemeralContainers',
      (id) => control(id).ephemeralSettable,
      (p) => HINTS[p.engine] ?? 'check spec.ephemeralContainers with the same logic as spec.containers',
      `\`kubectl debug\` can add a container that violates it (${ephemeralReach(ctx)})`,
    ),
};
