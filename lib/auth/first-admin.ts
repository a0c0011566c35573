// The first admin, when there is no user at all: either from ADMIN_USERNAME/ADMIN_PASSWORD, or
// through a one-time setup URL printed at start (valid one hour, stored only as a hash).
import 'server-only';
import crypto from 'node:crypto';
import type { Actor } from '../audit';
import { db } from '../db';
import { AppError } from '../errors';
import { addUser } from '../users';

const SETUP_KEY = 'setup_token';
const SETUP_TTL_MS = 60 * 60_000;

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
export async function isSetupTokenValid(token: string | undefined): Promise<boolean> {
  if (!token || (await hasAnyUser())) return false;
  const row = await db().setting.findUnique({ where: { key: SETUP_KEY } });
  if (!row) return false;
  const { hash, expiresAt } = JSON.parse(row.value) as { hash: string; expiresAt: number };
  const given = Buffer.from(sha256(token));
  return expiresAt > Date.now() && crypto.timingSafeEqual(given, Buffer.from(hash));
}

/** Creates the first admin with the setup token; the token is used up whatever happens next. */
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
  if (!(await isSetupTokenValid(token))) {
    throw new AppError('forbidden', 'This setup link is not valid any more. Restart the server to get a new one.');
  }
  await addUser({ username, password, actor });
  await db().setting.deleteMany({ where: { key: SETUP_KEY } });
}
