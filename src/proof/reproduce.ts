/**
 * `--reproduce DIR`: per confirmed finding, the manifests, the AdmissionReview requests evaluated and
 * a `reproduce.sh` that replays the bypass with kubectl on a test cluster. Folder and file names are
 * polcov's own (a policy name only enters a name through `slug`); the whole folder appears at once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nameOf, type AdmissionRequest, type KubeObject } from '../admission';
import type { Finding } from '../facts';
import type { WitnessRequests } from '.';

/** Lower-case letters, digits and dashes only, at most 40 characters. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'policy';
}

/** A Kubernetes namespace name (DNS label): safe in a URL and a shell word. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const review = (request: AdmissionRequest): KubeObject => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });

const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

function script(f: Finding, w: WitnessRequests, namespace: string, what: string): string {
  const header = [
    '#!/bin/sh',
    `# polcov reproducer: ${f.ruleId} (${f.severity})`,
    `# Policy: ${f.policy.kind} ${f.policy.name}, ${f.file}:${f.line}:${f.column}`.replace(/[\r\n]/g, ' '),
    `# Witness: ${what}`.replace(/[\r\n]/g, ' '),
    '#',
    '# FOR A TEST CLUSTER ONLY. Run it with a kubeconfig for a disposable cluster that runs the policies.',
    // The policy read data the request does not carry: the cluster decides the same only when it holds it.
    ...(f.evidence?.testData ? [`# polcov evaluated the policy with ${f.evidence.testData}: the cluster must hold the same data (context objects, image data).`.replace(/[\r\n]/g, ' ')] : []),
  ];
  const base = nameOf(w.base.object ?? {});
  if (w.gap.subResource === 'ephemeralcontainers') {
    return [
      ...header,
      `# What it does: creates the pod ${base} (base-pod.json) in namespace ${namespace}, then sends the`,
      '# UPDATE on pods/ephemeralcontainers that `kubectl debug` sends (ephemeral-containers.json) as a',
      '# server-side dry run. Accepted = the policy set admits the debug container: the gap is real.',
      '# It deletes the pod at the end.',
      'set -eu',
      'cd "$(dirname "$0")"',
      'kubectl create -f base-pod.json',
      `trap 'kubectl delete pod ${base} -n ${namespace} --wait=false' EXIT`,
      `kubectl replace --raw "/api/v1/namespaces/${namespace}/pods/${base}/ephemeralcontainers?dryRun=All" -f ephemeral-containers.json >/dev/null`,
      'echo "admitted: the ephemeral container got through (bypass reproduced)"',
      '',
    ].join('\n');
  }
  return [
    ...header,
    `# What it does: creates the pod gap-pod.json in namespace ${namespace} as a server-side dry run`,
    '# (nothing is stored). Accepted = the policy set admits it: the gap is real.',
    'set -eu',
    'cd "$(dirname "$0")"',
    'kubectl create --dry-run=server -f gap-pod.json >/dev/null',
    'echo "admitted: the pod got through (bypass reproduced)"',
    '',
  ].join('\n');
}

/** The files of one reproducer, by name; `undefined` when its namespace is no valid name. */
export function reproducerFiles(f: Finding, w: WitnessRequests): Record<string, string> | undefined {
  const namespace = w.gap.namespace ?? 'default';
  if (!DNS_LABEL.test(namespace)) return undefined;
  const files: Record<string, string> = {
    'base-pod.json': json(w.base.object),
    'admission-review-base.json': json(review(w.base)),
    'admission-review-gap.json': json(review(w.gap)),
    ...(w.contrast ? { 'admission-review-contrast.json': json(review(w.contrast)) } : {}),
    'reproduce.sh': script(f, w, namespace, f.evidence?.witness ?? ''),
  };
  if (w.gap.subResource === 'ephemeralcontainers') files['ephemeral-containers.json'] = json(w.gap.object);
  else files['gap-pod.json'] = json(w.gap.object);
  return files;
}

/**
 * Writes every reproducer into `dir`, which must not exist yet: into a temporary folder beside it,
 * renamed at the end, so a failed run leaves no half-written folder. Returns the folders written.
 */
export function writeReproducers(dir: string, witnesses: ReadonlyMap<Finding, WitnessRequests>): string[] {
  if (fs.existsSync(dir)) throw new Error(`${dir} already exists: name a new folder for --reproduce`);
  const tmp = fs.mkdtempSync(path.join(path.dirname(path.resolve(dir)), `.${path.basename(dir)}.tmp-`));
  const written: string[] = [];
  try {
    let n = 0;
    for (const [f, w] of witnesses) {
      const files = reproducerFiles(f, w);
      if (!files) continue;
      const name = `${String(++n).padStart(3, '0')}-${f.ruleId}-${slug(f.policy.name)}`;
      fs.mkdirSync(path.join(tmp, name));
      for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name, file), text, { mode: file.endsWith('.sh') ? 0o755 : 0o644 });
      written.push(name);
    }
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return written;
}
