import { draft, label } from './shared/draft';
import type { RuleModule } from './types';

export const rule: RuleModule = {
  meta: {
    id: 'constraint-without-template',
    severity: 'warning',
    summary: 'A Gatekeeper constraint whose kind no scanned ConstraintTemplate defines enforces nothing',
  },
  check: (ctx) =>
    ctx.policies
      .filter((p) => p.constraintLink?.state === 'no-template')
      .map((p) => {
        const { kind, nearest, refused, noTemplates, at } = p.constraintLink!;
        const why = refused
          ? `the ConstraintTemplate of kind ${kind} is refused (see policy-unanalyzable), so Gatekeeper has no CRD for it`
          : noTemplates
            ? `no ConstraintTemplate is in the scanned files, so polcov cannot tell what it checks`
            : `no scanned ConstraintTemplate defines kind ${kind}${nearest ? ` (did you mean ${nearest}?)` : ''}; Gatekeeper has no CRD for it`;
        return draft(
          p,
          at,
          `${label(p)}: ${why}; the constraint enforces nothing and is not counted as coverage`,
          nearest
            ? `set kind: ${nearest} (the kind the template defines in spec.crd.spec.names.kind)`
            : `scan the ConstraintTemplate that defines ${kind} with this constraint, or fix the kind to match the template's spec.crd.spec.names.kind`,
        );
      }),
};
