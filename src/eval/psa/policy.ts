/**
 * The Pod Security policy of a namespace, as PSA computes it (`api.PolicyToEvaluate`): the configured
 * defaults, each `pod-security.kubernetes.io/<mode>[-version]` label replacing its own part, warn
 * raised to an explicitly stricter enforce level; and the PodSecurity plugin configuration.
 */
import { parseLevel, parseVersion, type Level, type Mode, type Version } from '../../engines/psa/modes';
import type { KubeObject } from '../../admission';

export interface LevelVersion {
  level: Level;
  version: Version;
}

export type NamespacePolicy = Record<Mode, LevelVersion>;

export interface PsaExemptions {
  usernames?: string[];
  namespaces?: string[];
  runtimeClasses?: string[];
}

export interface PsaConfiguration {
  defaults: NamespacePolicy;
  exemptions: PsaExemptions;
}

const LATEST: Version = 'latest';
export const PRIVILEGED_DEFAULTS: NamespacePolicy = {
  enforce: { level: 'privileged', version: LATEST },
  audit: { level: 'privileged', version: LATEST },
  warn: { level: 'privileged', version: LATEST },
};

const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];
const LABEL_PREFIX = 'pod-security.kubernetes.io/';
const RANK: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };

export function levelVersionText(lv: LevelVersion): string {
  return `${lv.level}:${lv.version === 'latest' ? 'latest' : `v1.${lv.version}`}`;
}

/** The policy a namespace's labels give; `problems` lists labels PSA could not parse (it still evaluates, fail-closed for enforce). */
export function policyToEvaluate(labels: Record<string, string>, defaults: NamespacePolicy): { policy: NamespacePolicy; problems: string[] } {
  const policy: NamespacePolicy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const problems: string[] = [];
  let enforceLevelSet = false;
  for (const mode of MODES) {
    const level = labels[`${LABEL_PREFIX}${mode}`];
    if (level !== undefined) {
      const parsed = parseLevel(level);
      if (!parsed) problems.push(`${LABEL_PREFIX}${mode}: invalid level "${level}"`);
      // Enforce fails closed; audit and warn fail open.
      policy[mode].level = parsed ?? (mode === 'enforce' ? 'restricted' : 'privileged');
      if (mode === 'enforce') enforceLevelSet = parsed !== undefined;
    }
    const version = labels[`${LABEL_PREFIX}${mode}-version`];
    if (version !== undefined) {
      const parsed = parseVersion(version);
      if (parsed === undefined) problems.push(`${LABEL_PREFIX}${mode}-version: invalid version "${version}"`);
      policy[mode].version = parsed ?? LATEST;
    }
  }
  const warnLevelSet = labels[`${LABEL_PREFIX}warn`] !== undefined;
  if (!warnLevelSet && enforceLevelSet && RANK[policy.enforce.level] > RANK[policy.warn.level]) {
    policy.warn.level = policy.enforce.level;
    if (labels[`${LABEL_PREFIX}warn-version`] === undefined) policy.warn.version = policy.enforce.version;
  }
  return { policy, problems };
}

export class PsaConfigurationError extends Error {}

function throwError(e: Error): never {
  throw e;
}

const strs = (v: unknown, what: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new PsaConfigurationError(`${what} must be a list of strings`);
  return v as string[];
};

/**
 * The PodSecurity plugin configuration: a PodSecurityConfiguration, or the `PodSecurity` plugin of an
 * AdmissionConfiguration. The API server does not start with an invalid one, so that is an error.
 */
export function readPsaConfiguration(doc: KubeObject): PsaConfiguration {
  let config: Record<string, unknown> | undefined = doc;
  if (doc.kind === 'AdmissionConfiguration') {
    const plugins = Array.isArray(doc.plugins) ? (doc.plugins as Record<string, unknown>[]) : [];
    config = plugins.find((p) => p?.name === 'PodSecurity')?.configuration as Record<string, unknown> | undefined;
    if (!config) throw new PsaConfigurationError('the AdmissionConfiguration has no inline PodSecurity plugin configuration');
  }
  const defaults: NamespacePolicy = { enforce: { ...PRIVILEGED_DEFAULTS.enforce }, audit: { ...PRIVILEGED_DEFAULTS.audit }, warn: { ...PRIVILEGED_DEFAULTS.warn } };
  const written = (config.defaults ?? {}) as Record<string, unknown>;
  const invalid = (key: string, value: unknown): PsaConfigurationError => new PsaConfigurationError(`defaults.${key}: invalid value ${JSON.stringify(value)}`);
  for (const mode of MODES) {
    const level = written[mode];
    if (level !== undefined) {
      defaults[mode].level = (typeof level === 'string' ? parseLevel(level) : undefined) ?? throwError(invalid(mode, level));
    }
    const version = written[`${mode}-version`];
    if (version !== undefined) {
      defaults[mode].version = (typeof version === 'string' ? parseVersion(version) : undefined) ?? throwError(invalid(`${mode}-version`, version));
    }
  }
  const ex = (config.exemptions ?? {}) as Record<string, unknown>;
  return {
    defaults,
    exemptions: {
      usernames: strs(ex.usernames, 'exemptions.usernames'),
      namespaces: strs(ex.namespaces, 'exemptions.namespaces'),
      runtimeClasses: strs(ex.runtimeClasses, 'exemptions.runtimeClasses'),
    },
  };
}
