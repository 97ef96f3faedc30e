/** The coverage matrix as counts of blocking policies per control and location, for reports. */
import { CONTROLS, type Control, type ControlId } from '../catalog/controls';
import { LOCATIONS, type Location } from '../facts';
import type { Coverage } from './matrix';

export interface CoverageCount {
  /** Blocking policies that apply in every namespace they do not exclude. */
  clusterWide: number;
  /** Blocking policies that apply in some namespaces only (Pod Security labels). */
  namespaced: number;
}

export interface CoverageRow {
  control: ControlId;
  /** Undefined where the control has no field (hostNamespaces in a container, hostPorts on ephemeral). */
  cells: Record<Location, CoverageCount | undefined>;
}

function applies(c: Control, l: Location): boolean {
  if (l === 'pod') return c.podFields.length > 0;
  return c.containerFields.length > 0 && (l !== 'ephemeralContainers' || c.ephemeralSettable);
}

export function coverageRows(cov: Coverage): CoverageRow[] {
  return CONTROLS.map((c) => {
    const cells = {} as CoverageRow['cells'];
    for (const l of LOCATIONS) {
      if (!applies(c, l)) {
        cells[l] = undefined;
        continue;
      }
      const policies = new Map<string, boolean>();
      for (const e of cov[c.id][l]) policies.set(`${e.engine}|${e.policy.kind}|${e.policy.namespace ?? ''}|${e.policy.name}`, !e.namespaces);
      const clusterWide = [...policies.values()].filter(Boolean).length;
      cells[l] = { clusterWide, namespaced: policies.size - clusterWide };
    }
    return { control: c.id, cells };
  });
}
