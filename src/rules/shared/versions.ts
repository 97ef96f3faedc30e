/**
 * Since when a gap can be exploited, for the cluster version the audit targets (the newest polcov
 * knows unless one is named). Ephemeral containers: alpha 1.16 behind a feature gate, beta and on by
 * default 1.23, GA 1.25. HostProcess: alpha 1.22, beta and on by default 1.23, GA 1.26 (DOMAIN.md §1, §2).
 */
import type { Severity } from '../../facts';
import type { RuleContext } from '../types';

export type Feature = 'ephemeralContainers' | 'hostProcess';

interface Stages {
  alpha: number;
  beta: number;
  gate: string;
  what: string;
}

const FEATURES: Record<Feature, Stages> = {
  ephemeralContainers: { alpha: 16, beta: 23, gate: 'EphemeralContainers', what: 'ephemeral containers' },
  hostProcess: { alpha: 22, beta: 23, gate: 'WindowsHostProcessContainers', what: 'HostProcess containers' },
};

function reach(minor: number, s: Stages): string {
  // On by default: one short clause; the report header names the target version.
  if (minor >= s.beta) return `${s.what}: on by default since 1.${s.beta}`;
  const target = `on 1.${minor}: `;
  if (minor >= s.alpha) return `${target}${s.what} alpha, reachable only with the ${s.gate} feature gate (on by default from 1.${s.beta})`;
  return `${target}${s.what} do not exist yet; they arrive in 1.${s.alpha} (on by default from 1.${s.beta})`;
}

export const ephemeralReach = (ctx: RuleContext): string => reach(ctx.kubernetesMinor, FEATURES.ephemeralContainers);

export const hostProcessReach = (ctx: RuleContext): string => reach(ctx.kubernetesMinor, FEATURES.hostProcess);

/**
 * A gap in a feature the target cluster does not have is a note, not an error: before the feature is
 * on by default (absent, or alpha behind a feature gate, as the message says) it cannot be exploited
 * on a cluster left at its defaults.
 */
export function severityOn(feature: Feature | undefined, minor: number, severity: Severity): Severity {
  return feature && minor < FEATURES[feature].beta ? 'note' : severity;
}
