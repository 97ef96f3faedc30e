/**
 * IP addresses, CIDRs and URLs as the Kubernetes CEL `ip`, `cidr` and `url` libraries read them: the
 * strict parsers of Go's net/netip and net/url, without zones or IPv4-mapped IPv6 addresses.
 */

export class IP {
  constructor(readonly bytes: number[]) {}

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  static parse(text: string): IP | undefined {
    return text.includes(':') ? parse6(text) : parse4(text);
  }

  toString(): string {
    if (this.family === 4) return this.bytes.join('.');
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((this.bytes[i]! << 8) | this.bytes[i + 1]!);
    // The longest run of two or more zero groups becomes "::" (RFC 5952).
    let best = -1, bestLen = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen) [best, bestLen] = [i, j - i];
      i = j === i ? i + 1 : j;
    }
    const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
    return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
  }

  private startsWith(prefix: number[], bits: number): boolean {
    return prefixEqual(this.bytes, prefix, bits);
  }

  isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0);
  }

  isLoopback(): boolean {
    return this.family === 4 ? this.bytes[0] === 127 : this.bytes.slice(0, 15).every((b) => b === 0) && this.bytes[15] === 1;
  }

  isLinkLocalMulticast(): boolean {
    return this.family === 4 ? this.startsWith([224, 0, 0], 24) : this.startsWith([0xff, 0x02], 16);
  }

  isLinkLocalUnicast(): boolean {
    return this.family === 4 ? this.startsWith([169, 254], 16) : this.startsWith([0xfe, 0x80], 10);
  }

  private isMulticast(): boolean {
    return this.family === 4 ? this.bytes[0]! >= 224 && this.bytes[0]! < 240 : this.bytes[0] === 0xff;
  }

  /** Go's netip.Addr.IsGlobalUnicast: none of the special ranges and not the IPv4 broadcast address. */
  isGlobalUnicast(): boolean {
    if (this.family === 4 && this.bytes.every((b) => b === 255)) return false;
    return !this.isUnspecified() && !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }
}

function prefixEqual(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3, mask = 0x80 >> (i & 7);
    if (((a[byte] ?? 0) & mask) !== ((b[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function parse4(text: string): IP | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    // Go rejects leading zeros (ambiguous octal) and anything but decimal digits.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    bytes.push(Number(p));
  }
  return new IP(bytes);
}

function parse6(text: string): IP | undefined {
  if (text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parse4(p);
        if (!v4) return undefined;
        out.push((v4.bytes[0]! << 8) | v4.bytes[1]!, (v4.bytes[2]! << 8) | v4.bytes[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  // The Kubernetes library refuses IPv4-mapped IPv6 addresses (::ffff:a.b.c.d).
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return undefined;
  return new IP(bytes);
}

export class CIDR {
  constructor(readonly ip: IP, readonly prefixLength: number) {}

  static parse(text: string): CIDR | undefined {
    const slash = text.indexOf('/');
    if (slash < 0) return undefined;
    const ip = IP.parse(text.slice(0, slash));
    const len = text.slice(slash + 1);
    if (!ip || !/^(0|[1-9]\d*)$/.test(len) || Number(len) > ip.bytes.length * 8) return undefined;
    return new CIDR(ip, Number(len));
  }

  containsIP(ip: IP): boolean {
    return ip.family === this.ip.family && prefixEqual(ip.bytes, this.ip.bytes, this.prefixLength);
  }

  containsCIDR(o: CIDR): boolean {
    return o.prefixLength >= this.prefixLength && this.containsIP(o.ip);
  }

  masked(): CIDR {
    const bytes = this.ip.bytes.map((b, i) => {
      const keep = Math.max(0, Math.min(8, this.prefixLength - i * 8));
      return b & (0xff << (8 - keep)) & 0xff;
    });
    return new CIDR(new IP(bytes), this.prefixLength);
  }

  toString(): string {
    return `${this.ip.toString()}/${this.prefixLength}`;
  }
}

/** A URL as Go's url.Parse splits it; the Kubernetes library accepts absolute URIs and absolute paths. */
export class URL_ {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly query: string,
  ) {}

  static parse(text: string): URL_ | undefined {
    const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/.exec(text);
    if (!m || /\s/.test(m[2] ?? '')) return undefined;
    const [, scheme = '', host = '', path = '', query = ''] = m;
    if (!scheme && !path.startsWith('/')) return undefined;
    return new URL_(scheme, host, path, query);
  }

  /** The path with what Go's url.EscapedPath escapes (spaces and non-ASCII) percent-encoded. */
  escapedPath(): string {
    return this.path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => encodeURIComponent(c));
  }

  hostname(): string {
    const h = this.host.replace(/^[^@]*@/, '');
    if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
    const colon = h.lastIndexOf(':');
    return colon < 0 ? h : h.slice(0, colon);
  }

  port(): string {
    const h = this.host.replace(/^[^@]*@/, '');
    const m = /:(\d*)$/.exec(h.startsWith('[') ? h.slice(h.indexOf(']') + 1) : h);
    return m ? m[1]! : '';
  }

  queryMap(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const part of this.query.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      const [k, v] = eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
      (out[k] ??= []).push(v);
    }
    return out;
  }
}
