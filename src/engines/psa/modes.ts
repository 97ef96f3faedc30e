/**
 * Pod Security modes and levels, as written in Namespace labels
 * (`pod-security.kubernetes.io/enforce: baseline`, `…/enforce-version: v1.30`) or in the
 * `defaults` of a PodSecurityConfiguration (`enforce: baseline`, `enforce-version: latest`).
 *
 * Resolution follows upstream `api.PolicyToEvaluate(labels, defaults)`: a Namespace starts from the
 * configured defaults and each label replaces only its own part (level or version). A label that
 * does not parse is evaluated fail-closed for enforce (`api.ParseLevel` returns restricted,
 * `api.ParseVersion` latest) and fail-open for audit and warn (privileged).
 */
import type { Node } from 'yaml';
import { controlsAtLevel } from '../../catalog/controls';
import type { YamlDoc } from '../../discover/yaml-doc';
import { CONTAINER_LISTS, type Check, type RuleFacts, type SourceRef, type Unanalyzable } from '../../facts';

export type Mode = 'enforce' | 'audit' | 'warn';
const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type Level = (typeof LEVELS)[number];
/** A PSS version: `latest` or the minor of `v1.<minor>`. */
export type Version = number | 'latest';

/** Level and version of one mode, as evaluated. */
export interface LevelVersion {
  level: Level;
  version: Version;
}

/** The level and version of every mode: what PSA evaluates in a namespace. */
export type Resolved = Record<Mode, LevelVersion>;

/** Upstream defaults when the configuration sets nothing (`SetDefaults_PodSecurityDefaults`). */
export const PRIVILEGED_LATEST: Resolved = {
  enforce: { level: 'privileged', version: 'latest' },
  audit: { level: 'privileged', version: 'latest' },
  warn: { level: 'privileged', version: 'latest' },
};

export interface ModeSetting {
  mode: Mode;
  level: Level;
  /** PSS version the checks come from (1.minor), capped at the cluster's. */
  minor: number;
  /** The version as resolved, for the action text. */
  version: Version;
  /** The label or key of the mode, as written (`pod-security.kubernetes.io/enforce`, `enforce`). */
  key: string;
  /** The level label or key if written, else the version one. */
  at: SourceRef;
  /** Why the value is not what was written (an invalid label evaluated fail-closed). */
  note?: string;
}

export interface Modes {
  /** One per mode the map writes a level or a version for. */
  settings: ModeSetting[];
  problems: Unanalyzable[];
  resolved: Resolved;
}

/** `api.ParseLevel`: exactly one of the three names, case-sensitive. */
export function parseLevel(s: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(s) ? (s as Level) : undefined;
}

/** `api.ParseVersion`: `latest` or `v1.<minor>` without leading zeros (`^v1\.([0-9]|[1-9][0-9]*)$`). */
export function parseVersion(s: string): Version | undefined {
  if (s === 'latest') return 'latest';
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(s);
  return m ? Number(m[1]) : undefined;
}

const versionText = (v: Version): string => (v === 'latest' ? 'latest' : `v1.${v}`);

/**
 * How a map's values that do not parse are treated. `labels`: as PSA evaluates a Namespace (enforce
 * fails closed to restricted, audit and warn fail open to privileged, versions to latest), with a
 * note; the API server also refuses such labels on Namespace create and update. `config`: the API
 * server does not start with an invalid PodSecurity configuration, so the value is unanalyzable.
 */
export type Strictness = 'labels' | 'config';

/**
 * Reads `<prefix>enforce`, `<prefix>audit`, `<prefix>warn` and their `-version` keys from a map, on
 * top of `base` (the defaults a Namespace inherits; privileged/latest for the defaults themselves).
 */
export function readModes(y: YamlDoc, map: Node | undefined, prefix: string, clusterMinor: number, base: Resolved, strictness: Strictness): Modes {
  const out: Modes = { settings: [], problems: [], resolved: { ...base } };
  for (const mode of MODES) {
    const key = `${prefix}${mode}`;
    const versionKey = `${key}-version`;
    const levelWritten = y.str(y.get(map, key));
    const versionWritten = y.str(y.get(map, versionKey));
    if (levelWritten === undefined && versionWritten === undefined) continue;
    const notes: string[] = [];
    let invalid = false;
    let { level, version } = base[mode];
    if (levelWritten !== undefined) {
      const parsed = parseLevel(levelWritten);
      if (parsed) level = parsed;
      else if (strictness === 'config') {
        out.problems.push({ reason: `unknown Pod Security level "${levelWritten}" (the API server does not start with it)`, at: y.keyRef(map, key) });
        invalid = true;
      } else {
        // api.PolicyToEvaluate: enforce fails closed, audit and warn fail open.
        level = mode === 'enforce' ? 'restricted' : 'privileged';
        notes.push(`invalid level "${levelWritten}" is evaluated as ${level}`);
      }
    }
    if (versionWritten !== undefined) {
      const parsed = parseVersion(versionWritten);
      if (parsed !== undefined) version = parsed;
      else if (strictness === 'config') {
        out.problems.push({ reason: `unknown Pod Security version "${versionWritten}" (the API server does not start with it)`, at: y.keyRef(map, versionKey) });
        invalid = true;
      } else {
        version = 'latest';
        notes.push(`invalid version "${versionWritten}" is evaluated as latest`);
      }
    }
    if (invalid) {
      // The configuration is unanalyzable there: nothing of this mode counts, nor is inherited.
      out.resolved[mode] = PRIVILEGED_LATEST[mode];
      continue;
    }
    out.resolved[mode] = { level, version };
    if (notes.length > 0) notes.push('the API server rejects the label on Namespace create and update');
    out.settings.push({
      mode,
      level,
      // A version newer than the cluster is evaluated as the cluster's latest.
      minor: version === 'latest' ? clusterMinor : Math.min(version, clusterMinor),
      version,
      key,
      at: levelWritten !== undefined ? y.keyRef(map, key) : y.keyRef(map, versionKey),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    });
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

function action(s: ModeSetting): string {
  const version = s.version === 'latest' ? '' : ` ${versionText(s.version)}`;
  return `${s.mode}: ${s.level}${version}${s.note ? ` (${s.note})` : ''}`;
}

/**
 * One rule per mode. audit and warn add nothing when the enforced level (`enforced`: the resolved
 * enforce level, written or inherited from the defaults) is at least as strict, so only stricter
 * ones are kept.
 */
export function modeRules(settings: ModeSetting[], enforced: Level): RuleFacts[] {
  const rank = (l: Level): number => LEVELS.indexOf(l);
  return settings
    .filter((s) => s.mode === 'enforce' || rank(s.level) > rank(enforced))
    .map((s) => ({
      name: s.key,
      at: s.at,
      checks: levelChecks(s),
      listRefs: { pod: s.at, containers: s.at, initContainers: s.at, ephemeralContainers: s.at },
      // PSA evaluates pods/ephemeralcontainers and every operation that changes a Pod spec.
      scope: { matchesPod: true, ephemeralSubresource: 'yes', subresourceAt: s.at },
      enforcement: { blocking: s.mode === 'enforce', action: action(s), at: s.at, ...(s.mode === 'enforce' ? {} : { auditOnly: true }) },
      unanalyzable: [],
    }));
}
