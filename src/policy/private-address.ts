import { BlockList, isIP } from 'node:net';

/**
 * Why an address is not public. `cloud metadata` is named apart from the range that holds it
 * because reaching it from a worker leaks cloud credentials; `invalid` is anything that is not
 * an IP address, treated as non-public so that a bad resolver answer fails closed.
 */
export type PrivateAddressKind =
  | 'cloud metadata'
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'carrier-grade NAT'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'invalid';

// Checked in order, so a specific kind (cloud metadata, broadcast) wins over its wider range.
const RANGES: readonly (readonly [PrivateAddressKind, string, number])[] = [
  ['cloud metadata', '169.254.169.254', 32], // AWS, GCP, Azure, OpenStack…
  ['cloud metadata', 'fd00:ec2::254', 128], // AWS over IPv6
  ['cloud metadata', '100.100.100.200', 32], // Alibaba Cloud
  ['cloud metadata', '168.63.129.16', 32], // Azure host agent: public range, reached only by VMs
  ['loopback', '127.0.0.0', 8],
  ['loopback', '::1', 128],
  ['unspecified', '0.0.0.0', 8],
  ['unspecified', '::', 128],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['private', '64:ff9b:1::', 48], // NAT64 prefix reserved for local use
  ['carrier-grade NAT', '100.64.0.0', 10],
  ['link-local', '169.254.0.0', 16],
  ['link-local', 'fe80::', 10],
  ['unique-local', 'fc00::', 7],
  ['site-local', 'fec0::', 10], // deprecated, but some stacks still route it
  ['multicast', '224.0.0.0', 4],
  ['multicast', 'ff00::', 8],
  ['broadcast', '255.255.255.255', 32],
  ['reserved', '240.0.0.0', 4],
];

const BLOCK_LISTS = RANGES.map(
  ([kind, address, prefix]) => [kind, subnet(address, prefix)] as const,
);

// IPv6 prefixes whose addresses carry an IPv4 address that the packets end up at: [prefix,
// length, index of the first of the two 16-bit groups holding the IPv4 address].
const EMBEDDING_V4: readonly (readonly [string, number, number])[] = [
  ['::ffff:0:0', 96, 6], // IPv4-mapped
  ['::', 96, 6], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96, 6], // NAT64 well-known prefix
  ['2002::', 16, 1], // 6to4
];

const EMBEDDING_LISTS = EMBEDDING_V4.map(
  ([prefix, length, group]) => [subnet(prefix, length), group] as const,
);

/**
 * Tells whether an IP address is non-public and why: loopback, unspecified, private, CGNAT,
 * link-local, unique-local, multicast, broadcast, reserved or a cloud metadata address,
 * including such IPv4 addresses inside IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6
 * addresses.
 *
 * @param address - An IPv4 or IPv6 address, without brackets; a zone (`%eth0`) is ignored.
 * @returns The kind of non-public address, or undefined when the address is public.
 */
export function privateAddressKind(address: string): PrivateAddressKind | undefined {
  const bare = address.split('%')[0] ?? '';
  const family = isIP(bare);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of BLOCK_LISTS) {
    if (list.check(bare, type)) return kind;
  }
  return family === 6 ? embeddedKind(bare) : undefined;
}

function subnet(address: string, prefix: number): BlockList {
  const list = new BlockList();
  list.addSubnet(address, prefix, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  return list;
}

function embeddedKind(address: string): PrivateAddressKind | undefined {
  for (const [list, group] of EMBEDDING_LISTS) {
    if (!list.check(address, 'ipv6')) continue;
    const groups = ipv6Groups(address);
    const v4 = [groups[group] ?? 0, groups[group + 1] ?? 0]
      .flatMap((word) => [Math.floor(word / 256), word % 256])
      .join('.');
    return privateAddressKind(v4);
  }
  return undefined;
}

// The eight 16-bit groups of an IPv6 address. WHATWG URL serialises the address first, so the
// text left to split is plain hex groups with at most one `::` (no dotted IPv4 tail).
function ipv6Groups(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const split = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  const zeros: string[] = new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16));
}
