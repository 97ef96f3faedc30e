import { compileCel, evalCel, fromCel, lazyVariables, toCel } from '../../src/eval/cel';

function run(expr: string, activation: Record<string, unknown> = {}) {
  const c = compileCel(expr);
  if ('error' in c) throw new Error(c.error);
  const out = evalCel(c.program, toCel(activation) as Record<string, unknown>);
  return 'value' in out ? { value: fromCel(out.value) } : out;
}

// Expected values from the Kubernetes CEL library documentation
// (kubernetes.io/docs/reference/using-api/cel/ and the library examples it lists).
describe('Kubernetes CEL libraries', () => {
  it.each([
    ['[1, 2, 3].isSorted()', true],
    ['[3, 1].isSorted()', false],
    ['[1, 2, 3].sum()', 6],
    ['[3, 1, 2].min()', 1],
    ['[3, 1, 2].max()', 3],
    ['[1, 2, 2, 3].indexOf(2)', 1],
    ['[1, 2, 2, 3].lastIndexOf(2)', 2],
    ['"hello".charAt(1)', 'e'],
    ['"hello".replace("l", "L")', 'heLLo'],
    ['"hello".replace("l", "L", 1)', 'heLlo'],
    ['"hello".replace("l", "L", 0)', 'hello'],
    ['"ab".replace("", "-")', '-a-b-'],
    ['"ab".replace("", "-", 2)', '-a-b'],
    ['"a,b,c".split(",")', ['a', 'b', 'c']],
    ['"  x ".trim()', 'x'],
    ['"TacoCat".lowerAscii()', 'tacocat'],
    ['"gums".reverse()', 'smug'],
    ['"%s is %d".format(["x", 3])', 'x is 3'],
    ['"%.2f".format([1.5])', '1.50'],
    ['strings.quote("a\\"b")', '"a\\"b"'],
    ['"abc 123".find("[0-9]+")', '123'],
    ['"123 abc 456".findAll("[0-9]+")', ['123', '456']],
    ['"123 abc 456".findAll("[0-9]+", 1)', ['123']],
    ['"Hello".matches("^[A-Z]")', true],
    ['"ab12".find("(?:[a-z]+)([0-9]+)")', 'ab12'],
    ['"ABC".find("(?i)b")', 'B'],
    ['"k=v".find("(?P<key>[a-z])=")', 'k='],
    ['sets.contains([1, 2, 3], [2, 3])', true],
    ['sets.contains([1, 2], [3])', false],
    ['sets.equivalent([1, 2], [2, 1, 1])', true],
    ['sets.intersects([1], [1, 2])', true],
    ['quantity("1Gi").isGreaterThan(quantity("1G"))', true],
    ['quantity("500m").isLessThan(quantity("1"))', true],
    ['quantity("1.5").isInteger()', false],
    ['quantity("2k").asInteger()', 2000],
    ['quantity("200M").compareTo(quantity("0.2G"))', 0],
    ['quantity("50k").add(quantity("20k")).asInteger()', 70000],
    ['quantity("50k").sub(20000).asInteger()', 30000],
    ['quantity("-3").sign()', -1],
    ['isQuantity("1.3Gi")', true],
    ['isQuantity("1.3GiB")', false],
    ['quantity("1.5Gi").asApproximateFloat()', 1610612736],
    ['isIP("1.2.3.4")', true],
    ['isIP("1.2.3.04")', false],
    ['isIP("::ffff:1.2.3.4")', false],
    ['ip("192.168.0.1").family()', 4],
    ['ip("::1").family()', 6],
    ['ip("127.0.0.1").isLoopback()', true],
    ['ip("::1").isLoopback()', true],
    ['ip("0.0.0.0").isUnspecified()', true],
    ['ip("224.0.0.1").isLinkLocalMulticast()', true],
    ['ip("fe80::1").isLinkLocalUnicast()', true],
    ['ip("192.168.0.1").isGlobalUnicast()', true],
    ['ip("255.255.255.255").isGlobalUnicast()', false],
    ['string(ip("2001:db8:0:0:0:0:0:1"))', '2001:db8::1'],
    ['cidr("192.168.0.0/24").containsIP(ip("192.168.0.1"))', true],
    ['cidr("192.168.0.0/24").containsIP("192.168.1.1")', false],
    ['cidr("192.168.0.0/16").containsCIDR("192.168.10.0/24")', true],
    ['cidr("192.168.0.0/24").containsCIDR(cidr("192.168.0.0/16"))', false],
    ['string(cidr("192.168.0.1/24").masked())', '192.168.0.0/24'],
    ['cidr("192.168.0.0/24").prefixLength()', 24],
    ['string(cidr("::1/128").ip())', '::1'],
    ['isCIDR("10.0.0.0/33")', false],
    ['url("https://example.com:80/path?query=val#fragment").getScheme()', 'https'],
    ['url("https://example.com:80/").getHost()', 'example.com:80'],
    ['url("https://[::1]:80/").getHostname()', '::1'],
    ['url("https://example.com:80/").getPort()', '80'],
    ['url("https://example.com/path with spaces/").getEscapedPath()', '/path%20with%20spaces/'],
    ['url("https://example.com/a/b").getEscapedPath()', '/a/b'],
    ['url("https://example.com/path?k1=a&k2=b&k2=c").getQuery()', { k1: ['a'], k2: ['b', 'c'] }],
    ['isURL("https://example.com")', true],
    ['isURL("example.com")', false],
    ['format.dns1123Label().validate("my-name").hasValue()', false],
    ['format.dns1123Label().validate("My_Name").hasValue()', true],
    ['format.named("labelValue").hasValue()', true],
    ['format.named("nope").hasValue()', false],
  ])('%s', (expr, expected) => {
    expect(run(expr)).toEqual({ value: expected });
  });
});

describe('CEL evaluation semantics', () => {
  it('reads JSON whole numbers as int', () => {
    expect(run('object.spec.replicas + 1', { object: { spec: { replicas: 2 } } })).toEqual({ value: 3 });
  });
  it('a "__proto__" key in the data is an ordinary key', () => {
    expect(run('object.metadata.labels["__proto__"] == "x"', JSON.parse('{"object": {"metadata": {"labels": {"__proto__": "x"}}}}'))).toEqual({ value: true });
  });
  it('optional chaining falls back with orValue', () => {
    expect(run('object.?spec.?hostPID.orValue(false)', { object: { spec: {} } })).toEqual({ value: false });
    expect(run('object.?spec.?hostPID.orValue(false)', { object: { spec: { hostPID: true } } })).toEqual({ value: true });
  });
  it('a call with a value the library rejects is an error', () => {
    expect(run('quantity("1.3GiB")')).toHaveProperty('error');
    expect(run('cidr("192.168.0.0/24").containsIP("nope")')).toHaveProperty('error');
    expect(run('"a".find("a(?i)b")')).toHaveProperty('error');
  });
  it('a missing field is an error, has() is false', () => {
    expect(run('object.spec.missing', { object: { spec: {} } })).toHaveProperty('error');
    expect(run('has(object.spec.missing)', { object: { spec: {} } })).toEqual({ value: false });
  });
  it('authorizer makes the expression undecided', () => {
    expect(run('authorizer.group("").resource("pods").check("create").allowed()')).toHaveProperty('undecided');
  });
  it('stops a runaway expression at the step budget', () => {
    const c = compileCel('[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, a + b + c > 0)))');
    if ('error' in c) throw new Error(c.error);
    expect(evalCel(c.program, {}, 1000)).toEqual({ error: expect.stringContaining('budget') });
    expect(evalCel(c.program, {}, 1_000_000)).toEqual({ value: true });
  });
  it('variables are lazy: an unused failing variable does not fail the expression', () => {
    const bad = compileCel('object.nope');
    const good = compileCel('object.a * 2');
    if ('error' in bad || 'error' in good) throw new Error('compile');
    const activation = toCel({ object: { a: 2 } }) as Record<string, unknown>;
    const variables = lazyVariables([{ name: 'bad', program: bad.program }, { name: 'twice', program: good.program }], activation);
    const use = compileCel('variables.twice == 4');
    const useBad = compileCel('variables.bad == 1');
    if ('error' in use || 'error' in useBad) throw new Error('compile');
    expect(evalCel(use.program, { ...activation, variables })).toEqual({ value: true });
    expect(evalCel(useBad.program, { ...activation, variables })).toHaveProperty('error');
  });
});
