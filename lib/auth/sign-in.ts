// Checking a username and password: same work whether or not the user exists (a dummy hash is
// verified for unknown names), failures counted per IP and username, every outcome audited.
import 'server-only';
import { recordAudit } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password';
import { signInLimits } from './rate-limit';

export type SignInUser = { id: string; username: string };

/** Throws AppError('rate_limited') when this IP or username must wait. */
export function assertSignInAllowed({ username, ip }: { username: string; ip: string }): void {
  const limits = signInLimits();
  const wait = Math.max(limits.byIp.retryAfter(ip), limits.byUser.retryAfter(username.toLowerCase()));
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60_000);
    throw new AppError(
      'rate_limited',
      `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      { retryAfterSeconds: Math.ceil(wait / 1000) },
    );
  }
}

export async function signInWithPassword({
  username,
  password,
  ip,
}: {
  username: string;
  password: string;
  ip: string;
}): Promise<SignInUser | null> {
  const limits = signInLimits();
  const userKey = username.toLowerCase();
  const user = username ? await db().user.findUnique({ where: { username } }) : null;
  const result = user
    ? await verifyPassword(password, user.passwordHash)
    : { ok: await verifyAgainstDummy(password), needsRehash: false };
  if (!user || !result.ok) {
    limits.byIp.recordFailure(ip);
    limits.byUser.recordFailure(userKey);
    await recordAudit({ action: 'login_failed', actor: { user: null, ip }, info: { username: username.slice(0, 64) } });
    return null;
  }
  limits.byUser.reset(userKey);
  if (result.needsRehash) {
    // Accounts imported from the Flask server move to bcrypt on their first sign-in.
    await db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  }
  await recordAudit({ action: 'login', actor: { user: user.username, ip } });
  return { id: user.id, username: user.username };
}
