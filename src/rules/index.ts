/** The rule registry: every finding rule, in a stable order. */
import { rule as enforcementNotBlocking } from './enforcement-not-blocking';
import { rule as constraintWithoutTemplate } from './constraint-without-template';
import { rule as ephemeralContainersUnchecked } from './ephemeral-containers-unchecked';
import { rule as ephemeralFieldNotSettable } from './ephemeral-field-not-settable';
import { rule as ephemeralSubresourceUnmatched } from './ephemeral-subresource-unmatched';
import { rule as ephemeralUpdateSkipped } from './ephemeral-update-skipped';
import { rule as exemptionAdmitsDebugImages } from './exemption-admits-debug-images';
import { rule as hostprocessIndirectOnly } from './hostprocess-indirect-only';
import { rule as hostprocessPartial } from './hostprocess-partial';
import { rule as hostprocessUnchecked } from './hostprocess-unchecked';
import { rule as initContainersUnchecked } from './init-containers-unchecked';
import { rule as podKindUnmatched } from './pod-kind-unmatched';
import { rule as policyUnanalyzable } from './policy-unanalyzable';
import { rule as templateWithoutConstraint } from './template-without-constraint';
import { rule as webhookFailOpen } from './webhook-fail-open';
import type { RuleModule } from './types';

export const RULES: readonly RuleModule[] = [
  ephemeralContainersUnchecked,
  initContainersUnchecked,
  ephemeralUpdateSkipped,
  ephemeralSubresourceUnmatched,
  podKindUnmatched,
  hostprocessUnchecked,
  hostprocessPartial,
  hostprocessIndirectOnly,
  ephemeralFieldNotSettable,
  exemptionAdmitsDebugImages,
  enforcementNotBlocking,
  webhookFailOpen,
  constraintWithoutTemplate,
  templateWithoutConstraint,
  policyUnanalyzable,
];

/** The rule's documentation page, relative to the package root. */
export const docsPath = (id: string): string => `docs/rules/${id}.md`;
