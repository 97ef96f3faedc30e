/**
 * Kyverno `{{ }}` substitution as its documentation describes it
 * (https://kyverno.io/docs/writing-policies/variables/): a whole-string variable keeps its type,
 * embedded ones become text, nested results are substituted again unless written `{{- }}`, and an
 * escaped `\{{` is written out as a literal `{{`.
 */
import { substituteAll } from '../../../src/eval/kyverno/substitute';

const data = { request: { object: { metadata: { name: 'web', labels: { app: 'x' } }, spec: { replicas: 3 } } }, nested: '{{ request.object.metadata.name }}' };

describe('variable substitution', () => {
  it.each([
    ['{{ request.object.spec.replicas }}', 3],
    ['{{request.object.metadata.labels}}', { app: 'x' }],
    ['name-{{ request.object.metadata.name }}', 'name-web'],
    ['{{ request.object.spec.replicas }} replicas', '3 replicas'],
    ['labels {{ request.object.metadata.labels }}', 'labels {"app":"x"}'],
    // A whole-string variable is its value as is; an embedded one is substituted again.
    ['{{ nested }}', '{{ request.object.metadata.name }}'],
    ['x {{ nested }}', 'x web'],
    ['x {{- nested }}', 'x {{ request.object.metadata.name }}'],
    ['\\{{ request.object.metadata.name }}', '{{ request.object.metadata.name }}'],
  ])('%s', (text, want) => {
    expect(substituteAll(text, data)).toEqual(want);
  });

  it('substitutes map keys and leaves non-strings alone', () => {
    expect(substituteAll({ '{{ request.object.metadata.name }}': [1, true, '{{ request.object.spec.replicas }}'] }, data)).toEqual({ web: [1, true, 3] });
  });

  it('an absent key in a plain path is an error, not an empty value', () => {
    expect(() => substituteAll('{{ request.object.metadata.annotations.team }}', data)).toThrow(/Unknown key "annotations"/);
  });

  it('DELETE requests read request.oldObject where the text says request.object', () => {
    const del = { request: { object: null, oldObject: { metadata: { name: 'gone' } } } };
    expect(substituteAll('{{ request.object.metadata.name }}', del, true)).toBe('gone');
  });
});
