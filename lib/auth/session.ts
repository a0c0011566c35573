// Reading the admin session from a request's cookies, framework-free, so every page, route
// handler, server action and the front server check it the same way. Sessions are next-auth
// JWTs (encrypted, A256GCM); any of the configured AUTH_SECRETs may have made one, so a
// secret can be rotated without signing everyone out.
//
// A session ends (README, "Signing in, users and API tokens"):
// - at its expiry (SESSION_MAX_AGE after the last refresh);
// - when it signs out: its session id (`sid`, made once at sign-in and kept across next-auth's
//   refreshes) is recorded in EndedSession until every copy of the token has expired;
// - when the user's password changes, or "sign out everywhere" is used: User.sessionVersion
//   moves on, and every token carries the version it was made with (`sv`);
// - when the user is deleted (the token's user id no longer exists).
// A cookie of any other shape, malformed or not, is no session.
import 'server-only';
import crypto from 'node:crypto';
import { decode, encode, type JWT } from 'next-auth/jwt';
import { env } from '../env';
import { prepared, writeWhenFree } from '../db/hot-writer';
import { readOnlyDb } from '../db/read-only';

export const SESSION_COOKIE = 'next-auth.session-token';
export const SECURE_SESSION_COOKIE = '__Secure-next-auth.session-token';

// next-auth's own cookies are a few hundred bytes; anything far larger is not one of ours.
const MAX_TOKEN_LENGTH = 8192;

export type Session = { userId: string; username: string; sid: string };

/** Encodes with the newest secret. */
export async function encodeSessionToken(params: { token?: JWT; maxAge?: number }): Promise<string> {
  return encode({ ...params, secret: env().authSecrets[0] });
}

/** Decodes with each configured secret in turn (newest first); null if none opens it. */
export async function decodeSessionToken(token: string | undefined): Promise<JWT | null> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return null;
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

function decodeCookieValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.trim());
  } catch {
    return undefined; // broken percent-encoding: not a session
  }
}

/** The session token from a Cookie header (either cookie name); undefined when malformed. */
export function sessionTokenFromCookieHeader(cookieHeader: string | null | undefined): string | undefined {
  if (!cookieHeader || typeof cookieHeader !== 'string') return undefined;
  let secure: string | undefined;
  let plain: string | undefined;
  for (const part of cookieHeader.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (name === SECURE_SESSION_COOKIE) secure ??= decodeCookieValue(part.slice(index + 1));
    else if (name === SESSION_COOKIE) plain ??= decodeCookieValue(part.slice(index + 1));
  }
  return secure || plain || undefined;
}

/** A new session id, set once at sign-in. */
export function newSessionId(): string {
  return crypto.randomBytes(18).toString('base64url');
}

const SESSION_ROW = `
  SELECT u."id", u."username", u."sessionVersion",
         EXISTS (SELECT 1 FROM "EndedSession" e WHERE e."sid" = @sid) AS "ended"
  FROM "User" u WHERE u."id" = @id`;

/**
 * The session a decoded token stands for, or null when it ended: no session id or version
 * (a token from before sessions could end), signed out, an older sessionVersion, or a user
 * that no longer exists. One prepared read on the read-only connection.
 */
export function sessionFromToken(payload: JWT | null): Session | null {
  if (!payload) return null;
  const { sub, sid, sv } = payload as { sub?: unknown; sid?: unknown; sv?: unknown };
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof sv !== 'number') return null;
  const row = prepared(readOnlyDb(), SESSION_ROW).get({ sid, id: sub }) as
    { id: string; username: string; sessionVersion: number; ended: number } | undefined;
  if (!row || row.ended || Number(row.sessionVersion) !== sv) return null;
  return { userId: row.id, username: row.username, sid };
}

/** The signed-in admin, or null. Never throws: a cookie of any shape is at worst no session. */
export async function readSession(cookieHeader: string | null | undefined): Promise<Session | null> {
  try {
    return sessionFromToken(await decodeSessionToken(sessionTokenFromCookieHeader(cookieHeader)));
  } catch {
    return null;
  }
}

const END_SESSION = `
  INSERT INTO "EndedSession" ("sid", "expiresAt") VALUES (@sid, @until)
  ON CONFLICT ("sid") DO UPDATE SET "expiresAt" = MAX("expiresAt", @until)`;
const PRUNE_ENDED = `DELETE FROM "EndedSession" WHERE "expiresAt" <= ?`;

/**
 * Records a signed-out session as ended. No token of it is made after this (next-auth's
 * refresh decodes through sessionFromToken), so every copy has expired SESSION_MAX_AGE (plus
 * the clock skew leeway) from now; the row is kept that long, then pruned.
 */
export async function endSession(sid: string, now: number = Date.now()): Promise<void> {
  const config = env();
  const until = now + config.sessionMaxAgeMs + config.clockSkewMs;
  await writeWhenFree((sqlite) =>
    sqlite
      .transaction(() => {
        prepared(sqlite, END_SESSION).run({ sid, until });
        prepared(sqlite, PRUNE_ENDED).run(now);
      })
      .immediate(),
  );
}
