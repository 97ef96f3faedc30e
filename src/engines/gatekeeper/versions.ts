/**
 * Which half of a dual-engine ConstraintTemplate runs (DOMAIN.md §6): Gatekeeper registers the CEL
 * driver (K8sNativeValidation) before Rego and picks it whenever it is enabled; the flag
 * `--enable-k8s-native-validation` is on by default from v3.17. Older releases, or the flag off,
 * run the Rego.
 */
import type { RuleFacts } from '../../facts';
import type { CodeEngine } from './template';

/** The newest Gatekeeper release polcov knows (the default target). */
export const LATEST_GATEKEEPER_MINOR = 22;
/** The first release that runs K8sNativeValidation by default. */
export const CEL_DEFAULT_FROM_MINOR = 17;

/**
 * The targeted 3.minor: the version named ("3.16", "v3.17.2"), else the newest polcov knows; a
 * release newer than that picks engines as the newest does. Undefined when `v` is no 3.x version.
 */
export function gatekeeperMinor(v: string | undefined): number | undefined {
  if (v === undefined || v === 'latest') return LATEST_GATEKEEPER_MINOR;
  const m = /^v?3\.(\d+)(\.\d+)?$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

const RUNS: Record<CodeEngine, string> = {
  K8sNativeValidation: `runs on Gatekeeper v3.${CEL_DEFAULT_FROM_MINOR} and later, where K8sNativeValidation is on by default`,
  Rego: `runs on Gatekeeper before v3.${CEL_DEFAULT_FROM_MINOR}, or where --enable-k8s-native-validation is off`,
};

/** The half of a dual-engine template a rule belongs to, and whether it runs on the target release. */
export function codeEngine(engine: CodeEngine, minor: number): NonNullable<RuleFacts['codeEngine']> {
  const celRuns = minor >= CEL_DEFAULT_FROM_MINOR;
  return { engine, runs: RUNS[engine], active: engine === 'K8sNativeValidation' ? celRuns : !celRuns };
}
