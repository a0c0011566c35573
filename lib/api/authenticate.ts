// Who is calling the API: an API token (Authorization: Bearer) or an admin session cookie.
// Framework-free, so the Next route wrapper and the front server's upload route share it.
import 'server-only';
import type { Actor } from '../audit';
import { authenticateApiToken } from '../auth/api-tokens';
import { readSession } from '../auth/session';
import { env } from '../env';
import { AppError } from '../errors';
import { assertNotCrossSite, type RequestOrigin } from '../http/same-origin';
import { assertApiAuthAllowed, consumeApiTokenCall, recordApiAuthFailure } from './api-limits';

export type ApiCaller = {
  userId: string;
  username: string;
  via: 'session' | 'token';
  actor: Actor;
};

export type CallerCredentials = {
  method: string;
  authorization: string | null | undefined;
  cookie: string | null | undefined;
  /** Where the request comes from: writes with the session cookie must come from our own pages. */
  from: Omit<RequestOrigin, 'method'>;
  ip: string;
};

export async function authenticateCaller({
  method,
  authorization,
  cookie,
  from,
  ip,
}: CallerCredentials): Promise<ApiCaller> {
  if (authorization) {
    assertApiAuthAllowed(ip);
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const found = match ? await authenticateApiToken(match[1]) : null;
    if (!found) {
      await recordApiAuthFailure(ip);
      throw new AppError('unauthorized', 'The API token is missing, expired, revoked or not valid.');
    }
    const { token, user } = found;
    consumeApiTokenCall(token.id);
    return {
      userId: user.id,
      username: user.username,
      via: 'token',
      actor: { user: `${user.username} (token: ${token.name})`, ip },
    };
  }
  const session = await readSession(cookie);
  if (!session) throw new AppError('unauthorized', 'Sign in or send an API token (Authorization: Bearer <token>).');
  const { trustProxy, publicUrl } = env();
  assertNotCrossSite({ method, ...from }, { trustProxy, publicUrl });
  return { userId: session.userId, username: session.username, via: 'session', actor: { user: session.username, ip } };
}
