import { isIP } from 'net';

// Where a host leads when it is not the public internet: inside the cluster or the cloud host
// ('internal'), or into a private network ('private'). Judged from the text of the host alone: a
// public name that resolves to an internal address cannot be detected here.

/** A host that does not lead to the public internet, and what it is (for messages). @internal */
export interface HostReach {
  readonly scope: 'internal' | 'private';
  /** e.g. `a loopback address (127.0.0.0/8)` */
  readonly what: string;
}

type Scope = HostReach['scope'];

/** IPv4 ranges, most specific first: the first that contains an address decides. */
const IPV4_RANGES: Array<[string, number, Scope, string]> = [
  ['100.100.100.200', 32, 'internal', "Alibaba Cloud's instance metadata address"],
  ['0.0.0.0', 8, 'internal', 'an unspecified address (0.0.0.0/8)'],
  ['127.0.0.0', 8, 'internal', 'a loopback address (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'internal', 'a link-local address (169.254.0.0/16, where cloud instance metadata is served)'],
  ['224.0.0.0', 4, 'internal', 'a multicast address (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'internal', 'a reserved or broadcast address (240.0.0.0/4)'],
  ['192.0.0.0', 24, 'internal', 'an IETF protocol assignment address (192.0.0.0/24)'],
  ['198.18.0.0', 15, 'internal', 'a benchmarking address (198.18.0.0/15)'],
  ['192.0.2.0', 24, 'internal', 'a documentation address (TEST-NET-1, 192.0.2.0/24)'],
  ['198.51.100.0', 24, 'internal', 'a documentation address (TEST-NET-2, 198.51.100.0/24)'],
  ['203.0.113.0', 24, 'internal', 'a documentation address (TEST-NET-3, 203.0.113.0/24)'],
  ['10.0.0.0', 8, 'private', 'a private address (RFC 1918, 10.0.0.0/8)'],
  ['172.16.0.0', 12, 'private', 'a private address (RFC 1918, 172.16.0.0/12)'],
  ['192.168.0.0', 16, 'private', 'a private address (RFC 1918, 192.168.0.0/16)'],
  ['100.64.0.0', 10, 'private', 'a carrier-grade NAT address (100.64.0.0/10)'],
];

/** IPv6 ranges, most specific first. */
const IPV6_RANGES: Array<[string, number, Scope, string]> = [
  ['fd00:ec2::254', 128, 'internal', "AWS's IPv6 instance metadata address"],
  ['::', 128, 'internal', 'the unspecified address (::)'],
  ['::1', 128, 'internal', 'the loopback address (::1)'],
  ['fe80::', 10, 'internal', 'a link-local address (fe80::/10)'],
  ['ff00::', 8, 'internal', 'a multicast address (ff00::/8)'],
  ['fc00::', 7, 'private', 'a unique local address (fc00::/7)'],
  ['fec0::', 10, 'private', 'a site-local address (fec0::/10)'],
];

/**
 * IPv6 forms that carry an IPv4 address: that address is where they lead. The last number is where
 * the IPv4 address ends, in bits from the right (0: the last 32 bits).
 */
const IPV4_IN_IPV6: Array<[string, number, string, number]> = [
  ['::ffff:0:0', 96, 'IPv4-mapped', 0],
  ['::ffff:0:0:0', 96, 'IPv4-translated', 0],
  ['64:ff9b::', 96, 'NAT64', 0],
  // RFC 8215 local-use NAT64: operators choose the prefix length; the /96 (IPv4 last) is the usual one.
  ['64:ff9b:1::', 48, 'local-use NAT64', 0],
  ['::', 96, 'IPv4-compatible', 0],
  // 6to4 (RFC 3056): 2002:WWXX:YYZZ::/48, the IPv4 address in bits 16-47.
  ['2002::', 16, '6to4', 80],
];

/** Name suffixes, most specific first (a name matches when it is the suffix or ends with `.suffix`). */
const NAME_SUFFIXES: Array<[string, Scope, string]> = [
  ['metadata.google.internal', 'internal', "Google Cloud's instance metadata name"],
  ['metadata.tencentyun.com', 'internal', "Tencent Cloud's instance metadata name"],
  ['localhost', 'internal', 'a loopback name (.localhost)'],
  ['cluster.local', 'internal', 'a name in the Kubernetes cluster domain (cluster.local)'],
  ['svc', 'internal', 'a Kubernetes Service name (.svc)'],
  ['local', 'internal', 'a link-local multicast DNS name (.local)'],
  ['internal', 'private', 'a name under the private-use domain .internal'],
];

/**
 * Where a valid host (an IP address, a name, or a wildcard's name without its `*.`) leads, or
 * undefined for the public internet.
 * @internal
 */
export function hostReach(host: string): HostReach | undefined {
  const version = isIP(host);
  if (version === 4) return ipv4Reach(Number(parseIpv4(host)));
  if (version === 6) return ipv6Reach(parseIpv6(host));
  const name = host.startsWith('*.') ? host.slice(2) : host;
  const found = NAME_SUFFIXES.find(([suffix]) => name === suffix || name.endsWith(`.${suffix}`));
  return found ? { scope: found[1], what: found[2] } : undefined;
}

/**
 * A canonical text of an IP address (IPv6 zero-compressed, lower case) so that two spellings of
 * one address compare equal; other hosts are returned as they are.
 * @internal
 */
export function canonicalHost(host: string): string {
  if (isIP(host) !== 6) return host;
  const value = parseIpv6(host);
  const groups = Array.from({ length: 8 }, (_, i) => ((value / 2n ** BigInt(112 - 16 * i)) % 65536n).toString(16));
  // Compress the longest run of two or more zero groups, as RFC 5952 does.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

// Addresses are numbers (IPv4 32 bits, IPv6 128 bits); a range of prefix p holds every address
// whose value divided by 2^(bits - p) equals that of its base. The bases are parsed once.

const IPV4_BLOCKS = IPV4_RANGES.map(([base, prefix, scope, what]) => ({ size: 2 ** (32 - prefix), base: Number(parseIpv4(base)), scope, what }));
const IPV6_BLOCKS = IPV6_RANGES.map(([base, prefix, scope, what]) => ({ size: 2n ** BigInt(128 - prefix), base: parseIpv6(base), scope, what }));
const IPV4_IN_IPV6_BLOCKS = IPV4_IN_IPV6.map(([base, prefix, form, shift]) => ({
  size: 2n ** BigInt(128 - prefix), base: parseIpv6(base), form, shift,
}));

/** An IPv4 address as a number (32 bits fit a double exactly). */
function ipv4Reach(value: number): HostReach | undefined {
  const found = IPV4_BLOCKS.find((b) => Math.floor(value / b.size) === Math.floor(b.base / b.size));
  return found ? { scope: found.scope, what: found.what } : undefined;
}

function ipv6Reach(value: bigint): HostReach | undefined {
  const found = IPV6_BLOCKS.find((b) => value / b.size === b.base / b.size);
  if (found) return { scope: found.scope, what: found.what };
  const embedding = IPV4_IN_IPV6_BLOCKS.find((b) => value / b.size === b.base / b.size);
  if (!embedding) return undefined;
  const ipv4 = (value / 2n ** BigInt(embedding.shift)) % 2n ** 32n;
  const reach = ipv4Reach(Number(ipv4));
  const dotted = [24n, 16n, 8n, 0n].map((shift) => (ipv4 / 2n ** shift) % 256n).join('.');
  return reach ? { scope: reach.scope, what: `the ${embedding.form} form of ${dotted}, ${reach.what}` } : undefined;
}

function parseIpv4(address: string): bigint {
  return address.split('.').reduce((acc, part) => acc * 256n + BigInt(Number(part)), 0n);
}

/** A valid IPv6 address (as `net.isIP` accepts it) as a 128-bit number. */
function parseIpv6(address: string): bigint {
  let text = address.split('%')[0].toLowerCase();
  // A trailing dotted IPv4 address stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(v4 / 65536n).toString(16)}:${(v4 % 65536n).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((acc, group) => acc * 65536n + BigInt(parseInt(group, 16)), 0n);
}
