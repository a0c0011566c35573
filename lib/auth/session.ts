// Reading the admin session from a request's cookies, framework-free, so every page, route
// handler, server action and the front server check it the same way. Sessions are next-auth
// JWTs (encrypted, A256GCM); any of the configured AUTH_SECRETs may have made one, so a
// secret can be rotated without signing everyone out.
import 'server-only';
import { decode, encode, type JWT } from 'next-auth/jwt';
import { env } from '../env';
import { db } from '../db';

export const SESSION_COOKIE = 'next-auth.session-token';
export const SECURE_SESSION_COOKIE = '__Secure-next-auth.session-token';

export type Session = { userId: string; username: string };

/** Encodes with the newest secret. */
export async function encodeSessionToken(params: { token?: JWT; maxAge?: number }): Promise<string> {
  return encode({ ...params, secret: env().authSecrets[0] });
}

/** Decodes with each configured secret in turn (newest first); null if none opens it. */
export async function decodeSessionToken(token: string | undefined): Promise<JWT | null> {
  if (!token) return null;
  for (const secret of env().authSecrets) {
    try {
      const payload = await decode({ token, secret });
      if (payload) return payload;
    } catch {
      // not made with this secret (or expired): try the next one
    }
  }
  return null;
}

/** The session token from a Cookie header (either cookie name). */
export function sessionTokenFromCookieHeader(cookieHeader: string | null | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  let plain: string | undefined;
  for (const part of cookieHeader.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (name === SECURE_SESSION_COOKIE) return decodeURIComponent(part.slice(index + 1).trim());
    if (name === SESSION_COOKIE) plain = decodeURIComponent(part.slice(index + 1).trim());
  }
  return plain;
}

/** The signed-in admin, or null. Checks that the user still exists. */
export async function readSession(cookieHeader: string | null | undefined): Promise<Session | null> {
  const payload = await decodeSessionToken(sessionTokenFromCookieHeader(cookieHeader));
  if (!payload?.sub) return null;
  const user = await db().user.findUnique({ where: { id: payload.sub }, select: { id: true, username: true } });
  if (!user) return null;
  return { userId: user.id, username: user.username };
}
