import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { networkInterfaces } from 'node:os';

/**
 * Where a connector may post (SSRF): http(s) only, no credentials in the URL, never a link-local
 * or cloud-metadata address, never the hub itself. Loopback is refused too unless the deployment
 * allows it (`LT_CONNECTORS_ALLOW_LOOPBACK=1`, for tests and a receiver on the same machine);
 * private networks (10/8, 172.16/12, 192.168/16) are allowed: provincial receivers live there.
 * The host is resolved at registration and again at each delivery (DNS rebinding).
 */
export interface UrlPolicy {
  readonly allowLoopback: boolean;
  /** The hub's own listening port: loopback addresses and this machine's own addresses on it are the hub itself. */
  readonly hubPort: number | undefined;
}

export class UnsafeUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

const never = new BlockList();
never.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, incl. 169.254.169.254 (AWS, GCP, Azure metadata)
never.addSubnet('0.0.0.0', 8, 'ipv4');
never.addSubnet('100.100.100.200', 32, 'ipv4'); // Alibaba Cloud metadata
never.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
never.addSubnet('240.0.0.0', 4, 'ipv4');
never.addSubnet('fe80::', 10, 'ipv6');
never.addSubnet('fd00:ec2::254', 128, 'ipv6'); // AWS IPv6 metadata
never.addSubnet('ff00::', 8, 'ipv6');
never.addAddress('::', 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** `::ffff:169.254.169.254` is 169.254.169.254. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/iu.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** The addresses of this machine's interfaces (the hub listens on them too). */
function ownAddress(address: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address.toLowerCase() === address.toLowerCase()));
}

/** Why an address may not be posted to, or null. */
export function addressRefusal(raw: string, port: number, policy: UrlPolicy): string | null {
  const { address, family } = unmapped(raw);
  if (never.check(address, family)) return `${raw} is a link-local, metadata, multicast or unspecified address`;
  const isLoopback = loopback.check(address, family);
  if (policy.hubPort !== undefined && port === policy.hubPort && (isLoopback || ownAddress(address)))
    return `${raw}:${port} is the hub itself`;
  if (isLoopback && !policy.allowLoopback) return `${raw} is a loopback address (LT_CONNECTORS_ALLOW_LOOPBACK=1 allows it)`;
  return null;
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** The URL's syntax rules; throws UnsafeUrlError. */
export function parseConnectorUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError(`scheme ${url.protocol} is not http(s)`);
  if (url.username || url.password) throw new UnsafeUrlError('credentials in the URL are refused: put them in the secret');
  const host = url.hostname
    .replace(/^\[|\]$/gu, '')
    .toLowerCase()
    .replace(/\.$/u, '');
  if (METADATA_HOSTS.has(host)) throw new UnsafeUrlError(`${host} is a cloud metadata host`);
  return url;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );
}

/** Checks the URL and every address its host resolves to now (registration). */
export async function assertSafeUrl(raw: string, policy: UrlPolicy): Promise<URL> {
  const url = parseConnectorUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/gu, '');
  const port = portOf(url);
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolveAll(host);
    } catch (error) {
      throw new UnsafeUrlError(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  for (const a of addresses) {
    const refusal = addressRefusal(a.address, port, policy);
    if (refusal) throw new UnsafeUrlError(refusal);
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that checks what the name resolves to at connection time, so a
 * name that pointed elsewhere at registration cannot be re-pointed at a forbidden address.
 */
export function guardedLookup(policy: UrlPolicy, port: number) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const a of addresses) {
        const refusal = addressRefusal(a.address, port, policy);
        if (refusal) return callback(Object.assign(new UnsafeUrlError(refusal), { code: 'LT_UNSAFE_ADDRESS' }), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
