/**
 * The debug request helpers against the real privileged-containers template of gatekeeper-library:
 * a privileged container is denied on Pod CREATE, and the same container added by `kubectl debug`
 * (UPDATE on pods/ephemeralcontainers) is admitted by the template's UPDATE guard, in its Rego half
 * (Gatekeeper before 3.17) and its CEL half (3.17 on).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { debugUpdate, EMPTY_CLUSTER, podCreate } from '../../src/admission';
import { GatekeeperPolicy, readTemplate } from '../../src/eval/gatekeeper';

const DIR = path.join('..', 'shared', 'corpus', 'gatekeeper-library', 'library', 'pod-security-policy', 'privileged-containers');
const present = fs.existsSync(DIR);
if (!present) console.warn(`skipping the privileged-containers debug test: ${DIR} is absent`);

(present ? describe : describe.skip)('gatekeeper-library privileged-containers and kubectl debug', () => {
  const policy = () => {
    const r = readTemplate(parse(fs.readFileSync(path.join(DIR, 'template.yaml'), 'utf8')), { file: 'template.yaml', line: 1, column: 1 });
    if ('error' in r) throw new Error(r.error);
    const constraint = parse(fs.readFileSync(path.join(DIR, 'samples', 'psp-privileged-container', 'constraint.yaml'), 'utf8'));
    return new GatekeeperPolicy(r.template, constraint);
  };
  const privileged = { name: 'dbg', image: 'busybox', securityContext: { privileged: true } };
  const pod = (containers: object[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'default' }, spec: { containers } });

  it.each([
    ['3.16', 'gatekeeper-rego'],
    ['3.20', 'gatekeeper-cel'],
  ])('Gatekeeper %s (%s): CREATE denied, debug UPDATE admitted', (version, engine) => {
    const p = policy();
    const create = p.evaluate(podCreate(pod([privileged])), EMPTY_CLUSTER, { gatekeeperVersion: version });
    expect(create).toMatchObject({ engine, verdict: 'deny', messages: [expect.stringContaining('Privileged container is not allowed: dbg')] });
    const debug = p.evaluate(debugUpdate(pod([{ name: 'app', image: 'nginx' }]), privileged), EMPTY_CLUSTER, { gatekeeperVersion: version });
    expect(debug).toMatchObject({ engine, verdict: 'admit', messages: [] });
  });
});
