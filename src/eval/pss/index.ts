/** The Pod Security Standards as a library: PSA's check catalogue and Kyverno's `validate.podSecurity`. */
export { PSS_CHECKS, NEWEST_CHECK_MINOR, type FieldError, type BadValue, type PssCheck } from './checks';
export {
  evaluatePss, forbiddenDetail, parsePssVersion, psaChecks, kyvernoChecks, versionText,
  type PssLevel, type PssVersion, type PssViolation, type PssResult, type PssOptions,
} from './evaluate';
export {
  evaluatePodSecurity, exclusionProblems, formatKyvernoChecks, kyvernoPodSecurityMessage, matchesAnyWildcard, podSecurityTarget,
  type PodSecurityExclusion, type PodSecurityOptions,
} from './kyverno';
