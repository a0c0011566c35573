// The first admin, when there is no user at all: either from ADMIN_USERNAME/ADMIN_PASSWORD, or
// through a one-time setup URL printed at start (valid one hour, stored only as a hash).
import 'server-only';
import crypto from 'node:crypto';
import { type Actor, recordAudit } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { addUserSchema } from '../users/schemas';
import { parseInput } from '../users/parse-input';
import { hashPassword } from './password';
import { checkPasswordStrength } from './password-policy';
import { consume, limitKey, retryAfterMs } from './rate-limit';

const SETUP_KEY = 'setup_token';
const SETUP_TTL_MS = 60 * 60_000;
/** Setup submissions per client IP: 10 in 15 minutes. */
export const SETUP_RULE = { points: 10, windowMs: 15 * 60_000 };

const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');

export async function hasAnyUser(): Promise<boolean> {
  return (await db().user.count()) > 0;
}

/** Makes a new setup token (replacing an older one) and returns it; only its hash is kept. */
export async function createSetupToken(): Promise<{ token: string; expiresAt: Date }> {
  const token = crypto.randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + SETUP_TTL_MS);
  const value = JSON.stringify({ hash: sha256(token), expiresAt: expiresAt.getTime() });
  await db().setting.upsert({ where: { key: SETUP_KEY }, create: { key: SETUP_KEY, value }, update: { value } });
  return { token, expiresAt };
}

/** True when `token` is the current, unexpired setup token and there is still no user. */
export async function isSetupTokenValid(token: unknown): Promise<boolean> {
  if (typeof token !== 'string' || !token || token.length > 256 || (await hasAnyUser())) return false;
  const row = await db().setting.findUnique({ where: { key: SETUP_KEY } });
  if (!row) return false;
  const { hash, expiresAt } = JSON.parse(row.value) as { hash: string; expiresAt: number };
  const given = Buffer.from(sha256(token));
  return expiresAt > Date.now() && crypto.timingSafeEqual(given, Buffer.from(hash));
}

/**
 * Creates the first admin with the setup token. The token is consumed by a conditional delete
 * of its row in the same transaction as the user insert, and the transaction also requires
 * that there is still no user: of any number of parallel submissions exactly one creates an
 * admin, the others get `forbidden`. Limited per client IP like sign-in (SETUP_RULE).
 */
export async function completeSetup({
  token,
  username,
  password,
  actor,
}: {
  token: string;
  username: string;
  password: string;
  actor: Actor;
}): Promise<void> {
  const [attempt] = await consume([{ key: limitKey('setup-ip', actor.ip ?? ''), rule: SETUP_RULE }]);
  if (attempt.points > SETUP_RULE.points) {
    throw new AppError('rate_limited', 'Too many setup attempts. Try again in a few minutes.', {
      retryAfterSeconds: Math.ceil(retryAfterMs(attempt) / 1000),
    });
  }
  const invalid = () =>
    new AppError('forbidden', 'This setup link is not valid any more. Restart the server to get a new one.');
  if (typeof token !== 'string' || !(await isSetupTokenValid(token))) throw invalid();
  // Validation and the (slow) hash happen before the transaction, which stays short.
  const { username: name, password: checked } = parseInput(addUserSchema, { username, password });
  const weakness = checkPasswordStrength(checked, name);
  if (weakness) throw new AppError('validation_failed', weakness);
  const passwordHash = await hashPassword(checked);
  const hash = sha256(token);
  await db().$transaction(async (tx) => {
    const row = await tx.setting.findUnique({ where: { key: SETUP_KEY } });
    if (!row || (JSON.parse(row.value) as { hash: string }).hash !== hash) throw invalid();
    // The consume: only one transaction can delete this exact row.
    const { count } = await tx.setting.deleteMany({ where: { key: SETUP_KEY, value: row.value } });
    if (count !== 1 || (await tx.user.count()) > 0) throw invalid();
    await tx.user.create({ data: { username: name, passwordHash } });
  });
  await recordAudit({ action: 'user_add', actor, info: { username: name } });
}
