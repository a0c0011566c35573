import 'server-only';
import { db } from '../db';
import { AppError } from '../errors';

export type SignInCandidate = { id: string; username: string; passwordHash: string };

/** The user with exactly this name, with the hash sign-in needs; null when there is none. */
export async function findUserForSignIn(username: string): Promise<SignInCandidate | null> {
  if (!username) return null;
  return db().user.findUnique({ where: { username }, select: { id: true, username: true, passwordHash: true } });
}

/** The stored spelling of a username that equals `username` ignoring case, if any. */
export async function findUsernameIgnoringCase(username: string): Promise<string | null> {
  const rows = await db().$queryRaw<{ username: string }[]>`
    SELECT username FROM "User" WHERE username = ${username} COLLATE NOCASE LIMIT 1`;
  return rows[0]?.username ?? null;
}

export async function getUserOrThrow(username: string): Promise<{ id: string; username: string }> {
  const user = await db().user.findUnique({ where: { username }, select: { id: true, username: true } });
  if (!user) throw new AppError('not_found', `User "${username}" does not exist.`);
  return user;
}
