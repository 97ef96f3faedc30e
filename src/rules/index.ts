/** The rule registry: every finding rule, in a stable order, and where each is documented. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOMEPAGE } from '../version';
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

/** The page in this installation (the package ships docs/). */
export const docFile = (id: string): string => path.join(__dirname, '..', '..', docsPath(id));

/** The page in the repository: a link that works in CI logs and code-scanning views. */
export const docUrl = (id: string): string => `${HOMEPAGE}/blob/main/${docsPath(id)}`;

/** The page's Markdown (SARIF's rule help). */
export const docText = (id: string): string => fs.readFileSync(docFile(id), 'utf8');

/** The engines a rule applies to, as its page's "Severity: … · Engines: …" line names them. */
export function ruleEngines(id: string): string[] {
  const line = /^Severity: .*· Engines: (.+)$/m.exec(docText(id))?.[1] ?? '';
  return line.split(',').map((e) => e.trim()).filter(Boolean);
}
