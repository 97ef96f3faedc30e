import { draft, label } from './shared/draft';
import { exemptionReachesDebug } from './shared/relevance';
import type { RuleModule } from './types';

const WHAT: Record<string, string> = {
  image: 'image exemption',
  containerName: 'container-name condition',
  user: 'excluded identity',
  namespace: 'excluded namespace',
  runtimeClass: 'exempt runtime class',
};

export const rule: RuleModule = {
  meta: {
    id: 'exemption-admits-debug-images',
    severity: 'note',
    summary: 'An image, name, user or namespace exemption also lets debug containers through',
  },
  check: (ctx) =>
    ctx.policies.flatMap((p) =>
      p.exemptions
        .filter((e) => e.admitsArbitraryDebug && exemptionReachesDebug(p, e))
        .map((e) =>
          draft(
            p,
            e.at,
            `${label(p)}: the ${WHAT[e.kind]} "${e.value}" also exempts ephemeral containers; kubectl debug can use it to add an unchecked container`,
            e.kind === 'image' || e.kind === 'containerName'
              ? 'keep the exemption off ephemeralContainers, or pin it to exact image digests'
              : 'make sure only break-glass identities or system namespaces are exempt, and audit their kubectl debug use',
          ),
        ),
    ),
};
