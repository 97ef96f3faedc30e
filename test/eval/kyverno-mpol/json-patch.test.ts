/** JSON Patch with the results RFC 6902 (appendix A) and RFC 6901 specify. */
import { applyJsonPatch } from '../../../src/eval/kyverno-mpol/json-patch';

describe('applyJsonPatch', () => {
  it.each([
    ['add an object member (A.1)', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { foo: 'bar', baz: 'qux' }],
    ['add an array element (A.2)', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['remove an object member (A.3)', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['remove an array element (A.4)', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['replace a value (A.5)', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['move a value (A.6)', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['move an array element (A.7)', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['add a nested member object (A.10)', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['add to the end of an array with - (A.16)', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy a value', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['a passing test changes nothing (A.8)', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['~1 escapes / in a key (RFC 6901)', { metadata: { labels: {} } }, [{ op: 'add', path: '/metadata/labels/example.com~1environment', value: 'test' }], { metadata: { labels: { 'example.com/environment': 'test' } } }],
  ])('%s', (_name, doc, ops, expected) => {
    expect(applyJsonPatch(doc, ops)).toEqual(expected);
  });

  it.each([
    ['a failing test (A.9)', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], /test operation/],
    ['adding under a missing parent (A.12)', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], /does not exist/],
    ['removing a missing member', { foo: 'bar' }, [{ op: 'remove', path: '/baz' }], /does not exist/],
    ['replacing a missing member', { foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 1 }], /does not exist/],
    ['an index past the end', { foo: ['a'] }, [{ op: 'add', path: '/foo/2', value: 'b' }], /out of bounds/],
    ['an unknown op', { foo: 'bar' }, [{ op: 'merge', path: '/foo', value: 1 }], /unknown JSON Patch op/],
  ])('rejects %s', (_name, doc, ops, error) => {
    expect(() => applyJsonPatch(doc, ops)).toThrow(error);
  });
});
