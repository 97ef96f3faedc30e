/**
 * Kyverno validation patterns: each anchor and operator with the outcomes Kyverno's documentation
 * gives (https://kyverno.io/docs/writing-policies/validate/, "Anchors" and "Operators").
 */
import { matchPattern } from '../../../src/eval/kyverno/pattern';
import { matchesScalar } from '../../../src/eval/kyverno/scalar-pattern';

const pod = (containers: unknown[], extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers, ...extra } });

describe('scalar operators', () => {
  it.each([
    // value, pattern, matches
    [5, '>3', true],
    [3, '>3', false],
    [3, '>=3', true],
    [2, '<3', true],
    [3, '<=3', true],
    ['nginx', '!nginx', false],
    ['redis', '!nginx', true],
    ['nginx:latest', '*:latest', true],
    ['nginx:1.2', '*:latest', false],
    ['ab', 'a?', true],
    ['abc', 'a?', false],
    ['Never', 'Never | IfNotPresent', true],
    ['Always', 'Never | IfNotPresent', false],
    [5, '>1 & <10', true],
    [12, '>1 & <10', false],
    [5, '1-10', true],
    [11, '1-10', false],
    [11, '1!-10', true],
    [5, '1!-10', false],
    ['2Gi', '<=4Gi', true],
    ['8Gi', '<=4Gi', false],
    ['500m', '<1', true],
    ['1h', '>30m', true],
    ['10m', '>30m', false],
    ['x', '?*', true],
    [undefined, '?*', false],
    [null, null, true],
    ['', null, true],
    ['x', null, false],
    [true, true, true],
    ['true', true, false],
    [80, 80, true],
    ['80', 80, true],
    ['80.5', 80, false],
  ])('%j against %j is %s', (value, pattern, want) => {
    expect(matchesScalar(value, pattern)).toBe(want);
  });
});

describe('anchors', () => {
  // The docs' conditional anchor: a container whose image is tagged latest must not pull IfNotPresent.
  const conditional = { spec: { containers: [{ '(image)': '*:latest', imagePullPolicy: '!IfNotPresent' }] } };
  it('condition (k): checks only the elements whose condition holds', () => {
    expect(matchPattern(pod([{ name: 'a', image: 'nginx:latest', imagePullPolicy: 'Always' }]), conditional).status).toBe('pass');
    expect(matchPattern(pod([{ name: 'a', image: 'nginx:latest', imagePullPolicy: 'IfNotPresent' }]), conditional)).toMatchObject({ status: 'fail', path: '/spec/containers/0/imagePullPolicy/' });
  });
  it('condition (k): skips the pattern when no element meets the condition', () => {
    expect(matchPattern(pod([{ name: 'a', image: 'nginx:1.2', imagePullPolicy: 'IfNotPresent' }]), conditional).status).toBe('skip');
  });

  const equality = { spec: { '=(volumes)': [{ '=(hostPath)': { path: '!/var/lib' } }] } };
  it('equality =(k): checks the field only when present', () => {
    expect(matchPattern(pod([], { volumes: [{ name: 'v', emptyDir: {} }] }), equality).status).toBe('pass');
    expect(matchPattern(pod([]), equality).status).toBe('pass');
    expect(matchPattern(pod([], { volumes: [{ name: 'v', hostPath: { path: '/var/lib' } }] }), equality)).toMatchObject({ status: 'fail', path: '/spec/volumes/0/hostPath/path/' });
  });

  const existence = { spec: { '^(containers)': [{ image: 'nginx:latest' }] } };
  it('existence ^(k): at least one element must match', () => {
    expect(matchPattern(pod([{ image: 'redis' }, { image: 'nginx:latest' }]), existence).status).toBe('pass');
    expect(matchPattern(pod([{ image: 'redis' }]), existence).status).toBe('fail');
  });

  const negation = { spec: { '=(volumes)': [{ 'X(hostPath)': 'null' }] } };
  it('negation X(k): the key must be absent', () => {
    expect(matchPattern(pod([], { volumes: [{ name: 'v', emptyDir: {} }] }), negation).status).toBe('pass');
    expect(matchPattern(pod([], { volumes: [{ name: 'v', hostPath: { path: '/' } }] }), negation)).toMatchObject({ status: 'fail', path: '/spec/volumes/0/hostPath/' });
  });

  // The docs' global anchor: images from corp.reg.com need imagePullSecrets.
  const global = { spec: { containers: [{ name: '*', '<(image)': 'corp.reg.com/*' }], imagePullSecrets: [{ name: 'my-registry-secret' }] } };
  it('global <(k): a failing global condition skips the whole rule', () => {
    expect(matchPattern(pod([{ name: 'a', image: 'docker.io/nginx' }]), global).status).toBe('skip');
    expect(matchPattern(pod([{ name: 'a', image: 'corp.reg.com/app' }]), global).status).toBe('fail');
    expect(matchPattern(pod([{ name: 'a', image: 'corp.reg.com/app' }], { imagePullSecrets: [{ name: 'my-registry-secret' }] }), global).status).toBe('pass');
  });

  it('a plain key must be present: a missing privileged field fails "false"', () => {
    const p = { spec: { containers: [{ securityContext: { privileged: 'false' } }] } };
    expect(matchPattern(pod([{ name: 'a', securityContext: { privileged: true } }]), p)).toMatchObject({ status: 'fail', path: '/spec/containers/0/securityContext/privileged/' });
    expect(matchPattern(pod([{ name: 'a', securityContext: { privileged: false } }]), p).status).toBe('pass');
  });

  it('"*" requires the key, any value', () => {
    const p = { metadata: { labels: { app: '*' } } };
    expect(matchPattern({ metadata: { labels: { app: 'x' } } }, p).status).toBe('pass');
    expect(matchPattern({ metadata: { labels: {} } }, p).status).toBe('fail');
  });

  it('wildcard label keys stand for the resource keys they match', () => {
    const p = { metadata: { labels: { 'app.kubernetes.io/*': '?*' } } };
    expect(matchPattern({ metadata: { labels: { 'app.kubernetes.io/name': 'x' } } }, p).status).toBe('pass');
    expect(matchPattern({ metadata: { labels: { other: 'x' } } }, p).status).toBe('fail');
  });
});
