import type { ControlId } from '../catalog/controls';
import { missingListFindings } from './shared/container-lists';
import type { RuleModule } from './types';

/** Init containers cannot carry probes or lifecycle hooks (outside sidecars): no gap there. */
const NOT_FOR_INIT = new Set<ControlId>(['probes', 'lifecycle', 'hostProbesAndHostLifecycle']);

export const rule: RuleModule = {
  meta: {
    id: 'init-containers-unchecked',
    severity: 'warning',
    summary: 'A control is checked in containers but never in initContainers',
  },
  check: (ctx) =>
    missingListFindings(
      ctx,
      'initContainers',
      (id) => !NOT_FOR_INIT.has(id),
      (p) =>
        p.engine === 'kyverno'
          ? 'add an =(initContainers) entry with the same checks, or foreach over all three container lists'
          : 'check spec.initContainers with the same logic as spec.containers',
      'an init container can violate it',
    ),
};
