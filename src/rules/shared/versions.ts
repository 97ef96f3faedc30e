/**
 * Since when a gap can be exploited, for the cluster version the audit targets. Ephemeral
 * containers: alpha 1.16 behind a feature gate, beta and on by default 1.23, GA 1.25. HostProcess:
 * alpha 1.22, beta and on by default 1.23, GA 1.26 (DOMAIN.md §1, §2).
 */
import type { RuleContext } from '../types';

function reach(minor: number, explicit: boolean, stages: { alpha: number; beta: number; ga: number }, gate: string, what: string): string {
  // Without a target version, one short clause: the detail is for those who name their cluster's version.
  if (!explicit) return `${what}: on by default since 1.${stages.beta}`;
  const target = `on 1.${minor}: `;
  if (minor >= stages.ga) return `${target}${what} GA since 1.${stages.ga}, on by default since 1.${stages.beta}`;
  if (minor >= stages.beta) return `${target}${what} beta and on by default since 1.${stages.beta}`;
  if (minor >= stages.alpha) return `${target}${what} alpha, reachable only with the ${gate} feature gate (on by default from 1.${stages.beta})`;
  return `${target}${what} do not exist yet; they arrive in 1.${stages.alpha} (on by default from 1.${stages.beta})`;
}

export const ephemeralReach = (ctx: RuleContext): string =>
  reach(ctx.kubernetesMinor, ctx.explicitVersion, { alpha: 16, beta: 23, ga: 25 }, 'EphemeralContainers', 'ephemeral containers');

export const hostProcessReach = (ctx: RuleContext): string =>
  reach(ctx.kubernetesMinor, ctx.explicitVersion, { alpha: 22, beta: 23, ga: 26 }, 'WindowsHostProcessContainers', 'HostProcess containers');
