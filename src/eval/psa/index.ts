/**
 * Pod Security Admission as an evaluator (`k8s.io/pod-security-admission/admission`): the namespace's
 * enforce, audit and warn levels (labels over the configured defaults), the exemptions, and the
 * checks of `eval/pss`. Pods are evaluated on CREATE and on UPDATEs that change what PSA looks at, the
 * `pods/ephemeralcontainers` UPDATE of `kubectl debug` included (only exec, attach, binding, eviction,
 * log, portforward, proxy and status are skipped). Pod controllers get audit and warn, never enforce.
 */
import type { AdmissionRequest, ClusterContext, Decision, Evaluator, KubeObject } from '../../admission';
import { LATEST_MINOR } from '../../audit';
import type { Mode } from '../../engines/psa/modes';
import { evaluatePss, forbiddenDetail, type PssResult } from '../pss';
import { levelVersionText, policyToEvaluate, PRIVILEGED_DEFAULTS, type LevelVersion, type NamespacePolicy, type PsaConfiguration } from './policy';

export { policyToEvaluate, readPsaConfiguration, PsaConfigurationError, levelVersionText, type PsaConfiguration, type NamespacePolicy } from './policy';

export interface PsaOptions extends Partial<PsaConfiguration> {
  /** The cluster's minor version: PSA is on by default from 1.23, and evaluates no policy version newer than the cluster. */
  kubernetesMinor?: number;
  /** The UserNamespacesPodSecurityStandards feature gate (off by default). */
  relaxForUserNamespaces?: boolean;
}

const ENGINE = 'psa';
const FIRST_MINOR = 23;
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Where each controller resource keeps its pod template (PSA's default PodSpecExtractor). */
const TEMPLATES: Record<string, (o: KubeObject) => unknown> = {
  'core/replicationcontrollers': (o) => spec(o)?.template,
  'core/podtemplates': (o) => o.template,
  'apps/replicasets': (o) => spec(o)?.template,
  'apps/deployments': (o) => spec(o)?.template,
  'apps/statefulsets': (o) => spec(o)?.template,
  'apps/daemonsets': (o) => spec(o)?.template,
  'batch/jobs': (o) => spec(o)?.template,
  'batch/cronjobs': (o) => spec(spec(o)?.jobTemplate as KubeObject | undefined)?.template,
};

function spec(o: KubeObject | undefined): KubeObject | undefined {
  const s = o?.spec;
  return s && typeof s === 'object' ? (s as KubeObject) : undefined;
}

function containerImages(pod: KubeObject, list: string): { name: unknown; image: unknown }[] {
  const l = spec(pod)?.[list];
  return Array.isArray(l) ? (l as { name: unknown; image: unknown }[]) : [];
}

/** `isSignificantPodUpdate`: a container added or re-imaged, or an ephemeral container added. */
function significantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  for (const list of ['containers', 'initContainers']) {
    const now = containerImages(pod, list);
    const before = containerImages(old, list);
    if (now.length !== before.length || now.some((c, i) => c?.image !== before[i]?.image)) return true;
  }
  const before = containerImages(old, 'ephemeralContainers');
  return containerImages(pod, 'ephemeralContainers').some((c) => {
    const o = before.find((b) => b?.name === c?.name);
    return !o || o.image !== c?.image;
  });
}

export function psaEvaluator(options: PsaOptions = {}): Evaluator {
  const defaults = options.defaults ?? PRIVILEGED_DEFAULTS;
  const exemptions = options.exemptions ?? {};
  const clusterMinor = options.kubernetesMinor ?? LATEST_MINOR;

  return {
    engine: ENGINE,
    evaluate(request: AdmissionRequest, cluster: ClusterContext): Decision[] {
      const ns = request.namespace ?? '';
      const policyName = `Namespace/${ns}`;
      const one = (verdict: Decision['verdict'], reason: string): Decision[] => [{ engine: ENGINE, policy: policyName, verdict, messages: [], reason }];

      if (clusterMinor < FIRST_MINOR) return one('not-evaluated', `Pod Security Admission is not enabled by default before Kubernetes 1.${FIRST_MINOR}`);
      if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return one('not-evaluated', `PSA handles CREATE and UPDATE, not ${request.operation}`);
      const isPod = request.resource.group === '' && request.resource.resource === 'pods';
      const sub = request.subResource ?? '';
      if (isPod && IGNORED_POD_SUBRESOURCES.has(sub)) return one('not-evaluated', `PSA ignores the pods/${sub} subresource`);
      const template = TEMPLATES[`${request.resource.group || 'core'}/${request.resource.resource}`];
      if (!isPod && !template) return one('not-evaluated', `PSA does not evaluate ${request.resource.resource}`);
      if (!isPod && sub !== '') return one('not-evaluated', `PSA ignores subresources of pod controllers (${request.resource.resource}/${sub})`);
      if (ns !== '' && exemptions.namespaces?.includes(ns)) return one('not-evaluated', `namespace "${ns}" is exempt (exemptions.namespaces)`);
      const user = request.userInfo.username;
      if (user !== '' && exemptions.usernames?.includes(user)) return one('not-evaluated', `user "${user}" is exempt (exemptions.usernames)`);

      const namespace = cluster.namespaces.get(ns);
      if (!namespace) return one('undecided', `needs cluster data: the Namespace "${ns}" and its labels`);
      const labels = ((namespace.metadata as KubeObject | undefined)?.labels ?? {}) as Record<string, string>;
      const { policy, problems } = policyToEvaluate(labels, defaults);
      const privileged = (modes: Mode[]): boolean => problems.length === 0 && modes.every((m) => policy[m].level === 'privileged');
      if (privileged(isPod ? ['enforce', 'audit', 'warn'] : ['audit', 'warn'])) return modeDecisions(policyName, policy, isPod, new Map());

      const object = request.object;
      if (!object) return one('error', 'the request has no object');
      let pod: KubeObject | undefined = object;
      if (isPod) {
        if (request.operation === 'UPDATE' && request.oldObject && !significantPodUpdate(object, request.oldObject)) {
          return one('not-evaluated', 'the UPDATE changes nothing PSA checks (no container added or re-imaged)');
        }
      } else {
        pod = template!(object) as KubeObject | undefined;
        if (!pod || typeof pod !== 'object') return one('not-evaluated', `the ${request.kind.kind} has no pod template`);
      }
      const runtimeClass = spec(pod)?.runtimeClassName;
      if (typeof runtimeClass === 'string' && runtimeClass !== '' && exemptions.runtimeClasses?.includes(runtimeClass)) {
        return one('not-evaluated', `runtime class "${runtimeClass}" is exempt (exemptions.runtimeClasses)`);
      }

      // PSA reuses one evaluation for modes with the same level and version.
      const cache = new Map<string, PssResult>();
      const evaluate = (lv: LevelVersion): PssResult => {
        const key = levelVersionText(lv);
        let r = cache.get(key);
        if (!r) {
          const version = lv.version === 'latest' ? clusterMinor : Math.min(lv.version, clusterMinor);
          r = evaluatePss(pod!, { level: lv.level, version, relaxForUserNamespaces: options.relaxForUserNamespaces });
          cache.set(key, r);
        }
        return r;
      };
      const modes: Mode[] = isPod ? ['enforce', 'audit', 'warn'] : ['audit', 'warn'];
      const results = new Map(modes.map((m) => [m, evaluate(policy[m])]));
      return modeDecisions(policyName, policy, isPod, results, request, problems);
    },
  };
}

function forbiddenMessage(request: AdmissionRequest, text: string): string {
  const name = request.name ?? '';
  return name === '' ? `${request.resource.resource} is forbidden: ${text}` : `${request.resource.resource} "${name}" is forbidden: ${text}`;
}

/** One decision per mode: enforce denies (pods only), audit and warn let the request in. */
function modeDecisions(
  policyName: string,
  policy: NamespacePolicy,
  isPod: boolean,
  results: Map<Mode, PssResult>,
  request?: AdmissionRequest,
  problems: string[] = [],
): Decision[] {
  const base = (mode: Mode): Pick<Decision, 'engine' | 'policy' | 'rule'> => ({ engine: ENGINE, policy: policyName, rule: `${mode} ${levelVersionText(policy[mode])}` });
  const note = problems.length > 0 ? { reason: `labels PSA could not parse: ${problems.join('; ')}` } : {};
  const decision = (mode: Mode): Decision => {
    const r = results.get(mode);
    if (!r || policy[mode].level === 'privileged') return { ...base(mode), verdict: 'admit', messages: [], ...note };
    if (r.error) return { ...base(mode), verdict: 'error', messages: [], reason: r.error };
    if (r.allowed) return { ...base(mode), verdict: 'admit', messages: [], ...note };
    const detail = forbiddenDetail(r.violations);
    const lv = levelVersionText(policy[mode]);
    if (mode === 'enforce') return { ...base(mode), verdict: 'deny', messages: [forbiddenMessage(request!, `violates PodSecurity "${lv}": ${detail}`)], ...note };
    return { ...base(mode), verdict: mode === 'audit' ? 'audit' : 'warn', messages: [`would violate PodSecurity "${lv}": ${detail}`], ...note };
  };
  const enforce: Decision = isPod
    ? decision('enforce')
    : { ...base('enforce'), verdict: 'not-evaluated', messages: [], reason: 'PSA enforces on pods only; pod controllers get audit annotations and warnings' };
  const warn: Decision =
    enforce.verdict === 'deny'
      ? { ...base('warn'), verdict: 'not-evaluated', messages: [], reason: 'PSA adds no warning to a request it rejects' }
      : decision('warn');
  return [enforce, decision('audit'), warn];
}
