/**
 * Whether a rule's reach depends on the node OS a pod picks. HostProcess pods run on Windows
 * nodes only, so a hostNetwork rule that skips Windows pods (nodeSelector `kubernetes.io/os:
 * windows`, Windows tolerations or affinity, `spec.os.name`), or applies to Linux pods only, lets
 * exactly them through: it is no indirect HostProcess coverage (DOMAIN.md §2). Fail closed: any
 * selection by node OS in the rule's text counts, whichever way it selects.
 */
import type { Node } from 'yaml';
import type { YamlDoc } from '../discover/yaml-doc';
import type { SourceRef } from '../facts';

/** Where a pod says which OS it runs on. */
const PLACEMENT = /kubernetes\.io\/os|node\.kubernetes\.io\/windows-build|\bnodeSelector\b|\btolerations\b|\baffinity\b|\bos\.\??name\b|\(os\)/;
const OS_NAME = /\bwindows\b|\blinux\b/i;

/** The place in `nodes` (parts of one rule) where the rule selects pods by node OS, if it does. */
export function nodeOsSelection(y: YamlDoc, nodes: (Node | undefined)[]): SourceRef | undefined {
  for (const n of nodes) {
    const range = n?.range;
    if (!range) continue;
    const text = y.text.slice(range[0], range[2]);
    const m = PLACEMENT.exec(text);
    if (m && OS_NAME.test(text)) return y.refAt(range[0] + m.index);
  }
  return undefined;
}
