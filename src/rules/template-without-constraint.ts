import { draft, label } from './shared/draft';
import type { RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'template-without-constraint',
    severity: 'note',
    summary: 'No scanned constraint instantiates a Gatekeeper ConstraintTemplate (while the scanned files hold constraints): it enforces nothing',
  },
  check: (ctx) =>
    ctx.policies
      .filter((p) => p.constraintLink?.state === 'no-constraint')
      .map((p) => {
        const kind = p.constraintLink!.kind;
        return draft(
          p,
          p.constraintLink!.at,
          `${label(p)} defines the constraint kind ${kind}, but no scanned constraint has that kind while the scanned files hold other constraints: a template alone enforces nothing, so none of its checks count as coverage`,
          `add a ${kind} constraint that matches Pods with enforcementAction deny, or remove the template if it is unused`,
        );
      }),
};
