// The client's IP address. The socket's address is the truth; X-Forwarded-For and X-Real-IP
// count only for as many proxy hops as TRUST_PROXY allows, so a client cannot forge its IP.
import net from 'node:net';

type HeaderValue = string | string[] | null | undefined;

export type ClientIpInput = {
  socketAddress: string | undefined;
  forwardedFor?: HeaderValue;
  realIp?: HeaderValue;
  /** How many proxies in front of us may set the client IP (0: none). */
  trustProxy: number;
};

export function resolveClientIp({ socketAddress, forwardedFor, realIp, trustProxy }: ClientIpInput): string {
  const socket = normalizeIp(socketAddress) ?? 'unknown';
  if (trustProxy <= 0) return socket;

  const chain = headerList(forwardedFor)
    .map((entry) => normalizeIp(entry))
    .filter((entry): entry is string => entry !== null);
  if (chain.length === 0) {
    const real = normalizeIp(first(realIp));
    return real ?? socket;
  }
  // chain = [client, proxy1, ..., proxyK] as seen by the socket peer (the last proxy).
  // The socket peer is trusted hop 1; each further trusted hop vouches for one more entry
  // from the right. The client is the entry just left of the last trusted one.
  const all = [...chain, socket];
  const index = Math.max(0, all.length - 1 - trustProxy);
  return all[index];
}

/** IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 compressed lower case; null if not an IP. */
export function normalizeIp(input: string | undefined | null): string | null {
  if (!input) return null;
  let value = input.trim();
  // "[::1]:1234" or "1.2.3.4:5678" as some proxies send them
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(value)) value = value.split(':')[0];
  value = value.replace(/%.*$/, ''); // zone id
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) value = mapped[1];
  const kind = net.isIP(value);
  if (kind === 4) return value;
  if (kind === 6) {
    const compressed = new URL(`http://[${value}]/`).hostname.slice(1, -1);
    const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
    if (mappedHex) {
      const hi = parseInt(mappedHex[1], 16);
      const lo = parseInt(mappedHex[2], 16);
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
    return compressed;
  }
  return null;
}

function headerList(value: HeaderValue): string[] {
  if (!value) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}

/**
 * Behind our own front server the Next process sees only loopback sockets; the front server
 * passes the client IP it resolved in this header, with a per-start secret that only it knows.
 */
export const CLIENT_IP_HEADER = 'x-fileserver-client-ip';
export const INTERNAL_SECRET_HEADER = 'x-fileserver-internal';
