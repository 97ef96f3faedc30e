/**
 * Running the Pod Security checks on a pod: which checks a level and version select, in which order,
 * and the result as PSA words it.
 */
import { control, type ControlId } from '../../catalog/controls';
import type { KubeObject } from '../../admission';
import { NEWEST_CHECK_MINOR, PSS_CHECKS, type CheckContext, type CheckOutcome, type FieldError, type PssCheck, type VersionedCheck } from './checks';
import { podView, PodShapeError } from './pod';

export type PssLevel = 'privileged' | 'baseline' | 'restricted';
/** A policy version: `latest` or the minor of `v1.<minor>`. */
export type PssVersion = number | 'latest';

export interface PssViolation {
  checkId: ControlId;
  /** The control's name in the Pod Security Standards (Kyverno `exclude[].controlName`). */
  control: string;
  reason: string;
  detail: string;
  /** `reason (detail)`, as PSA lists each failed check. */
  message: string;
  /** The forbidden or missing fields, e.g. `spec.containers[0].securityContext.privileged`. */
  paths: string[];
  errors: FieldError[];
  /** Kyverno's PSA build reports no field errors for this check (see CheckOutcome). */
  noFieldErrors?: true;
}

export interface PssResult {
  allowed: boolean;
  violations: PssViolation[];
  /** Why the pod could not be evaluated (a field of the wrong type, an unknown version): never allowed then. */
  error?: string;
}

/** `latest` or `v1.<minor>` without leading zeros, as PSA and Kyverno parse it; `''` is latest for Kyverno. */
export function parsePssVersion(v: string | number | undefined): PssVersion | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (v === undefined || v === '' || v === 'latest') return 'latest';
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

export function versionText(v: PssVersion): string {
  return v === 'latest' ? 'latest' : `v1.${v}`;
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The check version in force at `minor`: the newest whose first version is not newer. */
function versionAt(c: PssCheck, minor: number): VersionedCheck | undefined {
  return [...c.versions].reverse().find((v) => v.minor <= minor);
}

export interface Selected {
  check: PssCheck;
  version: VersionedCheck;
}

/**
 * PSA's registry: a level's checks at a version (newer versions and `latest` are the newest one),
 * restricted including the baseline checks its own checks do not override; baseline checks first,
 * each group by check id.
 */
export function psaChecks(level: PssLevel, version: PssVersion): Selected[] {
  if (level === 'privileged') return [];
  const minor = version === 'latest' ? NEWEST_CHECK_MINOR : Math.min(version, NEWEST_CHECK_MINOR);
  const selected = PSS_CHECKS.filter((c) => level === 'restricted' || c.level === 'baseline')
    .map((check) => ({ check, version: versionAt(check, minor) }))
    .filter((s): s is Selected => s.version !== undefined);
  const overridden = new Set(selected.flatMap((s) => s.version.overrides ?? []));
  const rank = (s: Selected): string => `${s.check.level === 'baseline' ? 0 : 1}${s.check.id}`;
  return selected.filter((s) => !overridden.has(s.check.id)).sort((a, b) => byteOrder(rank(a), rank(b)));
}

/**
 * Kyverno's selection (`pkg/pss/evaluate.go`): baseline runs the baseline checks, any other level
 * every check; each check runs its newest version not newer than the policy version, else its first
 * one (a check younger than the version still runs); no check overrides another.
 */
export function kyvernoChecks(level: PssLevel, version: PssVersion): Selected[] {
  const minor = version === 'latest' ? Infinity : version;
  return PSS_CHECKS.filter((c) => level !== 'baseline' || c.level === 'baseline')
    .map((check) => ({ check, version: versionAt(check, minor) ?? check.versions[0] }))
    .sort((a, b) => byteOrder(a.check.id, b.check.id));
}

function violation(id: ControlId, o: CheckOutcome): PssViolation {
  return {
    checkId: id,
    control: control(id).pssName ?? id,
    reason: o.reason,
    detail: o.detail,
    message: o.detail ? `${o.reason} (${o.detail})` : o.reason,
    paths: o.errors.map((e) => e.field),
    errors: o.errors,
    ...(o.noFieldErrors ? { noFieldErrors: true as const } : {}),
  };
}

/** Runs the selected checks; a pod of the wrong shape is an error, never allowed. */
export function runChecks(pod: KubeObject, checks: Selected[], ctx: CheckContext): PssResult {
  try {
    const view = podView(pod);
    const violations = checks.flatMap(({ check, version }) => {
      const o = version.check(view, ctx);
      return o ? [violation(check.id, o)] : [];
    });
    return { allowed: violations.length === 0, violations };
  } catch (e) {
    if (e instanceof PodShapeError) return { allowed: false, violations: [], error: `the pod cannot be decoded: ${e.message}` };
    throw e;
  }
}

export interface PssOptions {
  level: PssLevel;
  version?: PssVersion;
  /** The UserNamespacesPodSecurityStandards feature gate (off by default). */
  relaxForUserNamespaces?: boolean;
}

/** The Pod Security Standards as Pod Security Admission evaluates them. */
export function evaluatePss(pod: KubeObject, opts: PssOptions): PssResult {
  const ctx = { kyverno: false, relaxForUserNamespaces: opts.relaxForUserNamespaces ?? false };
  return runChecks(pod, psaChecks(opts.level, opts.version ?? 'latest'), ctx);
}

/** PSA's summary of failed checks: `reason (detail), reason, …`. */
export function forbiddenDetail(violations: readonly PssViolation[]): string {
  return violations.map((v) => v.message).join(', ');
}
