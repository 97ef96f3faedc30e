/** OPA's CIDR built-ins (IPv4 and IPv6) and `io.jwt.decode`. */
import { isIP } from 'node:net';
import { BuiltinError, str, type Builtin } from './operands';
import { fromJSON, type Value } from './value';

interface Range {
  v6: boolean;
  first: bigint;
  last: bigint;
}

/** The eight groups of an IPv6 address, `::` expanded. */
function ipv6Groups(ip: string): string[] {
  const [left = '', right] = ip.split('::');
  const l = left ? left.split(':') : [];
  if (right === undefined) return l;
  const r = right ? right.split(':') : [];
  return [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
}

function ipValue(ip: string): { v6: boolean; n: bigint } | undefined {
  const kind = isIP(ip);
  if (kind === 4) return { v6: false, n: ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  if (kind !== 6 || ip.includes('.')) return undefined; // IPv4-embedded IPv6 forms are not read
  return { v6: true, n: ipv6Groups(ip).reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** A CIDR or a single address as the range of addresses it covers. */
function range(s: string, what: string): Range {
  const [ip = '', bits] = s.split('/');
  const v = ipValue(ip);
  const width = v?.v6 ? 128 : 32;
  const prefix = bits === undefined ? width : /^\d+$/.test(bits) ? Number(bits) : NaN;
  if (!v || !(prefix >= 0 && prefix <= width)) throw new BuiltinError(`${what}: invalid CIDR or IP ${JSON.stringify(s)}`);
  const host = (1n << BigInt(width - prefix)) - 1n;
  const first = v.n & ~host & ((1n << BigInt(width)) - 1n);
  return { v6: v.v6, first, last: first | host };
}

function base64urlJSON(part: string): Value {
  try {
    return fromJSON(JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))) ?? null;
  } catch {
    throw new BuiltinError('io.jwt.decode: invalid token');
  }
}

export const NET_BUILTINS: Record<string, Builtin> = {
  'net.cidr_contains': (a) => {
    const outer = range(str(a[0]), 'net.cidr_contains');
    const inner = range(str(a[1]), 'net.cidr_contains');
    return outer.v6 === inner.v6 && outer.first <= inner.first && inner.last <= outer.last;
  },
  'net.cidr_intersects': (a) => {
    const x = range(str(a[0]), 'net.cidr_intersects');
    const y = range(str(a[1]), 'net.cidr_intersects');
    return x.v6 === y.v6 && x.first <= y.last && y.first <= x.last;
  },
  'net.cidr_is_valid': (a) => {
    const s = str(a[0]);
    if (!s.includes('/')) return false;
    try {
      range(s, 'net.cidr_is_valid');
      return true;
    } catch {
      return false;
    }
  },
  'io.jwt.decode': (a) => {
    const parts = str(a[0]).split('.');
    if (parts.length !== 3) throw new BuiltinError('io.jwt.decode: a JWT has three parts');
    return [base64urlJSON(parts[0]!), base64urlJSON(parts[1]!), Buffer.from(parts[2]!, 'base64url').toString('hex')];
  },
};
