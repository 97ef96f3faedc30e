/**
 * When a ValidatingAdmissionPolicy (or binding) manifest takes effect on the Kubernetes version the
 * audit targets: the ValidatingAdmissionPolicy feature was alpha in 1.26–1.27
 * (`v1alpha1`, off by default), beta in 1.28–1.29 (`v1beta1`, feature gate and API off by default)
 * and GA in 1.30 (`v1`). The target is the version named, else the newest polcov knows.
 */
import type { EngineContext } from '../types';

const GA_MINOR = 30;
const BETA_MINOR = 28;
const ALPHA_MINOR = 26;

/** Why a manifest of this apiVersion does not act on the target cluster, or undefined when it does. */
export function unavailable(apiVersion: string, kind: string, ctx: EngineContext): string | undefined {
  const minor = ctx.kubernetesMinor;
  const target = `(target 1.${minor})`;
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  const needs = (first: number): string => `${kind} ${version} needs Kubernetes 1.${first} ${target}`;
  const runtimeConfig = `the ValidatingAdmissionPolicy feature gate and --runtime-config=admissionregistration.k8s.io/${version}=true`;
  switch (version) {
    case 'v1':
      return minor < GA_MINOR ? needs(GA_MINOR) : undefined;
    case 'v1beta1':
      if (minor < BETA_MINOR) return needs(BETA_MINOR);
      return minor < GA_MINOR ? `${kind} ${version} is off by default before Kubernetes 1.${GA_MINOR}: it needs ${runtimeConfig} ${target}` : undefined;
    case 'v1alpha1':
      if (minor < ALPHA_MINOR) return needs(ALPHA_MINOR);
      return `${kind} ${version} is an alpha API, off by default: it needs ${runtimeConfig} ${target}`;
    default:
      return undefined;
  }
}
