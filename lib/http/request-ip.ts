// The client IP of a request that reached the Next process. In production every request comes
// through the front server (lib/server), which resolved the IP from the socket and TRUST_PROXY
// and passes it with a secret only it and Next know. Without that (e.g. `next dev`), Next's
// own X-Forwarded-For entry (the socket it saw) is used with the same trust rules.
import 'server-only';
import { env } from '../env';
import { CLIENT_IP_HEADER, INTERNAL_SECRET_HEADER, resolveClientIp } from './client-ip';

type HeaderSource = { get(name: string): string | null };

export function clientIpFromHeaders(headers: HeaderSource): string {
  const secret = process.env.FILESERVER_INTERNAL_SECRET;
  if (secret && headers.get(INTERNAL_SECRET_HEADER) === secret) {
    return headers.get(CLIENT_IP_HEADER) ?? 'unknown';
  }
  const chain = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const socketAddress = chain.pop();
  return resolveClientIp({
    socketAddress,
    forwardedFor: chain.join(','),
    realIp: headers.get('x-real-ip'),
    trustProxy: env().trustProxy,
  });
}
