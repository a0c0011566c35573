// Checking a username and password: same work whether or not the user exists (a dummy hash is
// verified for unknown names), every outcome audited. The limits around it (lib/auth/rate-limit.ts)
// count an attempt before its password is checked:
// - per (username, client IP): 5 attempts in 15 minutes;
// - per client IP: 20 attempts in 15 minutes, whatever the usernames;
// - per username from all IPs: past 10 attempts in 15 minutes the name is "under attack", and
//   then an IP may try it only while it has at most one earlier attempt on it in the window.
//   This slows a guesser with many IPs to 2 guesses per IP, yet never refuses a correct
//   password from an IP with no failures: a stranger cannot lock the only admin out.
// A successful sign-in refunds its unit of the IP and username counts and clears the
// (username, IP) count. The username is normalized (NFKC, trimmed, lower case) for counting.
import 'server-only';
import { recordAudit } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password';
import { consume, forget, limitKey, type RateLimitRule, refund, retryAfterMs } from './rate-limit';

const WINDOW_MS = 15 * 60_000;
export const SIGN_IN_RULES = {
  userIp: { points: 5, windowMs: WINDOW_MS },
  ip: { points: 20, windowMs: WINDOW_MS },
  user: { points: 10, windowMs: WINDOW_MS },
  /** Attempts an IP may make on a username that is under attack. */
  userIpUnderAttack: 2,
} as const satisfies Record<string, RateLimitRule | number>;

export type SignInUser = { id: string; username: string; sessionVersion: number };

export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

export type SignInAttempt = {
  /** Call once the password check is over: refunds on success. */
  finish: (succeeded: boolean) => Promise<void>;
};

function rateLimited(waitMs: number): AppError {
  const minutes = Math.ceil(waitMs / 60_000);
  return new AppError(
    'rate_limited',
    `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds: Math.ceil(waitMs / 1000) },
  );
}

/**
 * Consumes one attempt for this username and IP, atomically, before any password is checked.
 * Throws AppError('rate_limited') (with retryAfterSeconds) when the attempt must not be made.
 */
export async function beginSignInAttempt({
  username,
  ip,
  now = Date.now(),
}: {
  username: string;
  ip: string;
  now?: number;
}): Promise<SignInAttempt> {
  const name = normalizeUsername(username);
  const keys = {
    userIp: limitKey('signin-user-ip', name, ip),
    ip: limitKey('signin-ip', ip),
    user: limitKey('signin-user', name),
  };
  const [userIp, byIp, byUser] = await consume(
    [
      { key: keys.userIp, rule: SIGN_IN_RULES.userIp },
      { key: keys.ip, rule: SIGN_IN_RULES.ip },
      { key: keys.user, rule: SIGN_IN_RULES.user },
    ],
    now,
  );
  if (userIp.points > SIGN_IN_RULES.userIp.points) throw rateLimited(retryAfterMs(userIp, now));
  if (byIp.points > SIGN_IN_RULES.ip.points) throw rateLimited(retryAfterMs(byIp, now));
  if (byUser.points > SIGN_IN_RULES.user.points && userIp.points > SIGN_IN_RULES.userIpUnderAttack) {
    throw rateLimited(retryAfterMs(userIp, now));
  }
  let finished = false;
  return {
    finish: async (succeeded) => {
      if (finished || !succeeded) return;
      finished = true;
      await refund([keys.ip, keys.user], 1, now);
      await forget([keys.userIp]);
    },
  };
}

/** The password check itself; the caller has consumed an attempt (beginSignInAttempt). */
export async function signInWithPassword({
  username,
  password,
  ip,
}: {
  username: string;
  password: string;
  ip: string;
}): Promise<SignInUser | null> {
  const user = username ? await db().user.findUnique({ where: { username } }) : null;
  const result = user
    ? await verifyPassword(password, user.passwordHash)
    : { ok: await verifyAgainstDummy(password), needsRehash: false };
  if (!user || !result.ok) {
    await recordAudit({ action: 'login_failed', actor: { user: null, ip }, info: { username: username.slice(0, 64) } });
    return null;
  }
  if (result.needsRehash) {
    // Accounts imported from the Flask server (or hashed at a lower cost) move to a fresh
    // bcrypt hash of the same password: not a password change, so sessions stay valid.
    await db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  }
  await recordAudit({ action: 'login', actor: { user: user.username, ip } });
  return { id: user.id, username: user.username, sessionVersion: user.sessionVersion };
}
