/**
 * The raw Rego of the library's privileged-containers policy on the two requests that matter:
 * a privileged Pod CREATE is denied, the same container added by `kubectl debug` (an UPDATE on
 * pods/ephemeralcontainers) is admitted by the policy's `not is_update(input.review)` guard.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { debugUpdate, podCreate } from '../../../src/admission';
import { compileRego, evalQuery, type RegoProgram } from '../../../src/eval/rego';

const DIR = path.join('..', 'shared', 'corpus', 'gatekeeper-library', 'src', 'pod-security-policy', 'privileged-containers');

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
};
const privileged = { name: 'debugger', image: 'busybox', securityContext: { privileged: true } };

if (!fs.existsSync(DIR)) {
  test.skip(`../shared/corpus is absent: this test needs ${DIR}`, () => undefined);
} else {
  describe('pod-security-policy/privileged-containers (raw Rego)', () => {
    let program: RegoProgram;
    beforeAll(() => {
      const modules = ['src.rego', 'lib_exclude_update.rego', 'lib_exempt_container.rego'].map((f) => ({
        file: path.join(DIR, f),
        text: fs.readFileSync(path.join(DIR, f), 'utf8'),
      }));
      const compiled = compileRego(modules);
      expect(compiled.errors).toEqual([]);
      program = compiled.program!;
    });

    it('denies a privileged container on Pod CREATE', () => {
      const request = podCreate({ ...pod, spec: { containers: [privileged] } });
      const r = evalQuery(program, 'data.k8spspprivileged.violation', { input: { review: request, parameters: {} } });
      expect(r.error).toBeUndefined();
      expect(r.value).toEqual([
        {
          details: {},
          msg: 'Privileged container is not allowed: debugger, securityContext: {"privileged": true}',
        },
      ]);
    });

    it('admits the same container added by the kubectl debug UPDATE (not is_update guard)', () => {
      const request = debugUpdate(pod, privileged);
      expect(request.operation).toBe('UPDATE');
      expect(request.subResource).toBe('ephemeralcontainers');
      const r = evalQuery(program, 'data.k8spspprivileged.violation', { input: { review: request, parameters: {} } });
      expect(r.error).toBeUndefined();
      expect(r.value).toEqual([]);
    });
  });
}
