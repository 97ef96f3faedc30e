/**
 * The Kubernetes CEL libraries on top of cel-js's standard ones: lists, extended strings, regex,
 * sets, url, quantity, ip/cidr and format, as the API server offers them to ValidatingAdmissionPolicy
 * (and Gatekeeper to K8sNativeValidation). Each function follows the Kubernetes documentation of the
 * CEL libraries; argument errors are CEL evaluation errors.
 */
import { Environment, Optional } from '@marcbachmann/cel-js';
import { re2 } from '../rego/regex';
import { CIDR, IP, URL_ } from './network';
import { Quantity } from './quantity';

/** The receivers of namespaced functions: `sets.contains(…)`, `strings.quote(…)`, `format.named(…)`. */
class Sets {}
class Strings {}
class Formats {}
class Format {
  constructor(readonly name: string, readonly check: (s: string) => string[]) {}
}

function fail(message: string): never {
  throw new Error(message);
}

function compare(a: unknown, b: unknown): number {
  if (a instanceof Quantity && b instanceof Quantity) return a.compare(b);
  if ((typeof a === 'string' && typeof b === 'string') || (typeof a === typeof b && (typeof a === 'bigint' || typeof a === 'number'))) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  return fail(`cannot compare ${typeof a} and ${typeof b}`);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

const toQuantity = (s: string): Quantity => Quantity.parse(s) ?? fail(`quantity: invalid quantity ${JSON.stringify(s)}`);
const toIP = (s: string): IP => IP.parse(s) ?? fail(`IP Address ${JSON.stringify(s)} parse error`);
const toCIDR = (s: string): CIDR => CIDR.parse(s) ?? fail(`network address parse error during conversion from string: ${s}`);
const toURL = (s: string): URL_ => URL_.parse(s) ?? fail(`URL parse error during conversion from string: ${s}`);
const int = (n: number): bigint => BigInt(n);

/** Go's fmt verbs as the CEL strings library's format() supports them. */
function formatString(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(\.\d+)?([sdfeboxX%])/g, (_m, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) fail('format: too few arguments');
    const v = args[i++];
    const digits = prec ? Number(prec.slice(1)) : 6;
    switch (verb) {
      case 's': return typeof v === 'string' ? v : Array.isArray(v) || (v && typeof v === 'object') ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)) : String(v);
      case 'd': return typeof v === 'bigint' ? v.toString() : fail('format: %d needs an integer');
      case 'f': return Number(v).toFixed(digits);
      case 'e': return Number(v).toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
      case 'b': return typeof v === 'bigint' ? v.toString(2) : fail('format: %b needs an integer');
      case 'o': return typeof v === 'bigint' ? v.toString(8) : fail('format: %o needs an integer');
      case 'x': return typeof v === 'string' ? Buffer.from(v).toString('hex') : (v as bigint).toString(16);
      default: return typeof v === 'string' ? Buffer.from(v).toString('hex').toUpperCase() : (v as bigint).toString(16).toUpperCase();
    }
  });
}

/** Go's strings.Replace: the first n (all when n < 0) occurrences; an empty `old` matches around every character. */
function replace(s: string, old: string, by: string, n: number): string {
  const parts = old === '' ? ['', ...[...s], ''] : s.split(old);
  const k = n < 0 ? parts.length - 1 : Math.min(n, parts.length - 1);
  return parts.slice(0, k + 1).join(by) + (k < parts.length - 1 ? old + parts.slice(k + 1).join(old) : '');
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function pattern(re: RegExp, max: number, what: string) {
  return (s: string): string[] => {
    const out: string[] = [];
    if (s.length > max) out.push(`must be no more than ${max} characters`);
    if (!re.test(s)) out.push(what);
    return out;
  };
}

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: pattern(DNS1123_LABEL, 63, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"),
  dns1123Subdomain: pattern(DNS1123_SUBDOMAIN, 253, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
  dns1035Label: pattern(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 63, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"),
  labelValue: (s) => (s === '' ? [] : pattern(QUALIFIED_NAME_PART, 63, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")(s)),
  qualifiedName: (s) => {
    const parts = s.split('/');
    if (parts.length > 2) return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'"];
    const name = parts[parts.length - 1]!;
    const prefixErrors = parts.length === 2 ? FORMATS.dns1123Subdomain!(parts[0]!).map((e) => `prefix part ${e}`) : [];
    return [...prefixErrors, ...pattern(QUALIFIED_NAME_PART, 63, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")(name)];
  },
  uuid: pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 36, 'must be a valid UUID'),
  uri: (s) => (URL_.parse(s) ? [] : ['must be a valid URI']),
  date: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['must be a valid date']),
  datetime: (s) => (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) ? [] : ['must be a valid datetime']),
  byte: (s) => (/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s) ? [] : ['must be a valid base64 string']),
};

export function registerKubernetesLibraries(env: Environment): Environment {
  const reg = (sig: string, fn: (...a: any[]) => unknown) => env.registerFunction(sig, fn as never);
  env
    .registerType('Sets', Sets)
    .registerType('Strings', Strings)
    .registerType('Formats', Formats)
    .registerType('Quantity', Quantity)
    .registerType('net.IP', IP)
    .registerType('net.CIDR', CIDR)
    .registerType('net.URL', URL_)
    .registerType('Format', Format)
    .registerConstant('sets', 'Sets', new Sets())
    .registerConstant('strings', 'Strings', new Strings())
    .registerConstant('format', 'Formats', new Formats());

  // Lists
  reg('list.isSorted(): bool', (l: unknown[]) => l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0));
  reg('list.sum(): dyn', (l: unknown[]) => (l.length === 0 ? 0n : l.reduce((a, b) => (a instanceof Quantity ? a.add(b as Quantity) : (a as number) + (b as number)))));
  reg('list.min(): dyn', (l: unknown[]) => (l.length === 0 ? fail('min called on empty list') : l.reduce((a, b) => (compare(b, a) < 0 ? b : a))));
  reg('list.max(): dyn', (l: unknown[]) => (l.length === 0 ? fail('max called on empty list') : l.reduce((a, b) => (compare(b, a) > 0 ? b : a))));
  reg('list.indexOf(dyn): int', (l: unknown[], v: unknown) => int(l.findIndex((x) => equal(x, v))));
  reg('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => int(l.map((x) => equal(x, v)).lastIndexOf(true)));
  reg('list.reverse(): list', (l: unknown[]) => [...l].reverse());
  reg('list.distinct(): list', (l: unknown[]) => l.filter((v, i) => l.findIndex((x) => equal(x, v)) === i));
  reg('list.flatten(): list', (l: unknown[]) => l.flatMap((v) => v));
  reg('list.slice(int, int): list', (l: unknown[], a: bigint, b: bigint) =>
    a < 0n || b < a || b > BigInt(l.length) ? fail(`cannot slice(${a}, ${b}), list of size ${l.length}`) : l.slice(Number(a), Number(b)));

  // Extended strings
  reg('string.charAt(int): string', (s: string, i: bigint) => (i < 0n || i > BigInt(s.length) ? fail(`index out of range: ${i}`) : [...s][Number(i)] ?? ''));
  reg('string.replace(string, string): string', (s: string, a: string, b: string) => replace(s, a, b, -1));
  reg('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => replace(s, a, b, Number(n)));
  reg('string.reverse(): string', (s: string) => [...s].reverse().join(''));
  reg('string.format(list): string', (s: string, args: unknown[]) => formatString(s, args));
  reg('Strings.quote(string): string', (_n: Strings, s: string) => JSON.stringify(s));

  // Regex
  // RE2 patterns through the translation the Rego evaluator uses (what RE2 lacks is an error).
  reg('string.find(string): string', (s: string, re: string) => re2(re).exec(s)?.[0] ?? '');
  reg('string.findAll(string): list<string>', (s: string, re: string) => [...s.matchAll(re2(re, true))].map((m) => m[0]));
  reg('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
    const all = [...s.matchAll(re2(re, true))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  });

  // Sets
  const has = (l: unknown[], v: unknown) => l.some((x) => equal(x, v));
  reg('Sets.contains(list, list): bool', (_n: Sets, a: unknown[], b: unknown[]) => b.every((v) => has(a, v)));
  reg('Sets.equivalent(list, list): bool', (_n: Sets, a: unknown[], b: unknown[]) => b.every((v) => has(a, v)) && a.every((v) => has(b, v)));
  reg('Sets.intersects(list, list): bool', (_n: Sets, a: unknown[], b: unknown[]) => b.some((v) => has(a, v)));

  // Quantity
  reg('quantity(string): Quantity', toQuantity);
  reg('isQuantity(string): bool', (s: string) => Quantity.parse(s) !== undefined);
  reg('Quantity.sign(): int', (q: Quantity) => int(q.sign()));
  reg('Quantity.isInteger(): bool', (q: Quantity) => q.isInteger());
  reg('Quantity.asInteger(): int', (q: Quantity) => (q.isInteger() ? q.num / q.den : fail('cannot convert value to integer')));
  reg('Quantity.asApproximateFloat(): double', (q: Quantity) => q.toNumber());
  reg('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) > 0);
  reg('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) < 0);
  reg('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => int(a.compare(b)));
  reg('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(b));
  reg('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => a.add(new Quantity(b, 1n)));
  reg('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(b.negate()));
  reg('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => a.add(new Quantity(-b, 1n)));

  // IP and CIDR
  reg('ip(string): net.IP', toIP);
  reg('isIP(string): bool', (s: string) => IP.parse(s) !== undefined);
  reg('string(net.IP): string', (ip: IP) => ip.toString());
  reg('net.IP.family(): int', (ip: IP) => int(ip.family));
  reg('net.IP.isUnspecified(): bool', (ip: IP) => ip.isUnspecified());
  reg('net.IP.isLoopback(): bool', (ip: IP) => ip.isLoopback());
  reg('net.IP.isLinkLocalMulticast(): bool', (ip: IP) => ip.isLinkLocalMulticast());
  reg('net.IP.isLinkLocalUnicast(): bool', (ip: IP) => ip.isLinkLocalUnicast());
  reg('net.IP.isGlobalUnicast(): bool', (ip: IP) => ip.isGlobalUnicast());
  reg('cidr(string): net.CIDR', toCIDR);
  reg('isCIDR(string): bool', (s: string) => CIDR.parse(s) !== undefined);
  reg('string(net.CIDR): string', (c: CIDR) => c.toString());
  reg('net.CIDR.containsIP(net.IP): bool', (c: CIDR, ip: IP) => c.containsIP(ip));
  reg('net.CIDR.containsIP(string): bool', (c: CIDR, ip: string) => c.containsIP(toIP(ip)));
  reg('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDR, o: CIDR) => c.containsCIDR(o));
  reg('net.CIDR.containsCIDR(string): bool', (c: CIDR, o: string) => c.containsCIDR(toCIDR(o)));
  reg('net.CIDR.ip(): net.IP', (c: CIDR) => c.ip);
  reg('net.CIDR.masked(): net.CIDR', (c: CIDR) => c.masked());
  reg('net.CIDR.prefixLength(): int', (c: CIDR) => int(c.prefixLength));

  // URL
  reg('url(string): net.URL', toURL);
  reg('isURL(string): bool', (s: string) => URL_.parse(s) !== undefined);
  reg('net.URL.getScheme(): string', (u: URL_) => u.scheme);
  reg('net.URL.getHost(): string', (u: URL_) => u.host);
  reg('net.URL.getHostname(): string', (u: URL_) => u.hostname());
  reg('net.URL.getPort(): string', (u: URL_) => u.port());
  reg('net.URL.getEscapedPath(): string', (u: URL_) => u.escapedPath());
  reg('net.URL.getQuery(): map<string, list<string>>', (u: URL_) => u.queryMap());

  // Format
  for (const [name, check] of Object.entries(FORMATS)) reg(`Formats.${name}(): Format`, () => new Format(name, check));
  reg('Formats.named(string): optional<Format>', (_n: Formats, name: string) => (FORMATS[name] ? Optional.of(new Format(name, FORMATS[name]!)) : Optional.none()));
  reg('Format.validate(string): optional<list<string>>', (f: Format, s: string) => {
    const errors = f.check(s);
    return errors.length ? Optional.of(errors) : Optional.none();
  });
  return env;
}
