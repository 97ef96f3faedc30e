/**
 * Pod Security modes and levels, as written in Namespace labels
 * (`pod-security.kubernetes.io/enforce: baseline`, `…/enforce-version: v1.30`) or in the
 * `defaults` of a PodSecurityConfiguration (`enforce: baseline`, `enforce-version: latest`).
 */
import type { Node } from 'yaml';
import { controlsAtLevel } from '../../catalog/controls';
import type { YamlDoc } from '../../discover/yaml-doc';
import { CONTAINER_LISTS, type Check, type RuleFacts, type SourceRef, type Unanalyzable } from '../../facts';

export type Mode = 'enforce' | 'audit' | 'warn';
const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type Level = (typeof LEVELS)[number];

export interface ModeSetting {
  mode: Mode;
  level: Level;
  /** PSS version the checks come from (1.minor). */
  minor: number;
  /** The label or key, as written. */
  key: string;
  at: SourceRef;
}

export interface Modes {
  settings: ModeSetting[];
  problems: Unanalyzable[];
}

const isLevel = (s: string): s is Level => (LEVELS as readonly string[]).includes(s);

/** Reads `<prefix>enforce`, `<prefix>audit`, `<prefix>warn` and their `-version` keys from a map. */
export function readModes(y: YamlDoc, map: Node | undefined, prefix: string, clusterMinor: number): Modes {
  const out: Modes = { settings: [], problems: [] };
  for (const mode of MODES) {
    const key = `${prefix}${mode}`;
    const level = y.str(y.get(map, key));
    if (level === undefined) continue;
    const at = y.keyRef(map, key);
    if (!isLevel(level)) {
      out.problems.push({ reason: `unknown Pod Security level "${level}"`, at });
      continue;
    }
    const version = y.str(y.get(map, `${key}-version`)) ?? 'latest';
    const m = /^v1\.(\d+)$/.exec(version);
    if (version !== 'latest' && !m) {
      out.problems.push({ reason: `unknown Pod Security version "${version}"`, at: y.keyRef(map, `${key}-version`) });
      continue;
    }
    // A version newer than the cluster is evaluated as the cluster's latest.
    out.settings.push({ mode, level, minor: m ? Math.min(Number(m[1]), clusterMinor) : clusterMinor, key, at });
  }
  return out;
}

/** The PSS checks of a level: every control's pod-level fields and its fields in all three lists. */
function levelChecks(s: ModeSetting): Check[] {
  if (s.level === 'privileged') return [];
  return controlsAtLevel(s.level, s.minor).flatMap((c) => [
    ...c.podFields.map((field): Check => ({ control: c.id, location: 'pod', field, at: s.at })),
    ...CONTAINER_LISTS.flatMap((l) => c.containerFields.map((field): Check => ({ control: c.id, location: l, field, at: s.at }))),
  ]);
}

/** The level enforced by these settings, if they set one. */
export function enforcedLevel(settings: ModeSetting[]): Level | undefined {
  return settings.find((s) => s.mode === 'enforce')?.level;
}

/**
 * One rule per mode. audit and warn add nothing when the enforced level (the settings' own, else
 * the one inherited from the defaults) is at least as strict, so only stricter ones are kept.
 */
export function modeRules(settings: ModeSetting[], inherited: Level = 'privileged'): RuleFacts[] {
  const rank = (l: Level): number => LEVELS.indexOf(l);
  const enforced = enforcedLevel(settings) ?? inherited;
  return settings
    .filter((s) => s.mode === 'enforce' || rank(s.level) > rank(enforced))
    .map((s) => ({
      name: s.key,
      at: s.at,
      checks: levelChecks(s),
      listRefs: { pod: s.at, containers: s.at, initContainers: s.at, ephemeralContainers: s.at },
      // PSA evaluates pods/ephemeralcontainers and every operation that changes a Pod spec.
      scope: { matchesPod: true, ephemeralSubresource: 'yes', subresourceAt: s.at },
      enforcement: { blocking: s.mode === 'enforce', action: `${s.mode}: ${s.level}`, at: s.at },
      unanalyzable: [],
    }));
}
