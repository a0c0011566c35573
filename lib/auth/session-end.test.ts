// When a session ends, on a real SQLite file: sign-out (by session id), a password change and
// "sign out everywhere" (by sessionVersion), a deleted user; and cookies of any shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { addUser, changePassword, deleteUser, signOutEverywhere } from '../users';
import { verifyPassword } from './password';
import { encodeSessionToken, endSession, newSessionId, readSession, sessionTokenFromCookieHeader } from './session';
import { signInWithPassword } from './sign-in';

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv();
});
afterAll(async () => {
  await temp.cleanup();
});

const actor = { user: 'root', ip: '203.0.113.9' };

async function cookieFor(userId: string, sessionVersion: number, sid = newSessionId()): Promise<string> {
  const token = await encodeSessionToken({ token: { sub: userId, name: 'x', sid, sv: sessionVersion } });
  return `next-auth.session-token=${token}`;
}

describe('session cookies of any shape', () => {
  it('treats broken percent-encoding, empty and oversized values as no cookie', async () => {
    for (const value of ['%E0%A4%A', '%', '%zz', '']) {
      expect(sessionTokenFromCookieHeader(`next-auth.session-token=${value}`), value).toBeUndefined();
    }
    for (const value of ['%E0%A4%A', '%', '%zz', '', 'x'.repeat(10_000)]) {
      expect(await readSession(`next-auth.session-token=${value}`)).toBeNull();
      expect(await readSession(`__Secure-next-auth.session-token=${value}; a=%`)).toBeNull();
    }
  });

  it('refuses a genuine token without a session id or version (made before sessions could end)', async () => {
    const user = await addUser({ username: 'legacy', password: 'legacy-long-password', actor });
    const old = await encodeSessionToken({ token: { sub: user.id, name: 'legacy' } });
    expect(await readSession(`next-auth.session-token=${old}`)).toBeNull();
    expect(await readSession(await cookieFor(user.id, 0))).toMatchObject({ username: 'legacy' });
  });
});

describe('ending sessions', () => {
  it('ends one signed-out session and keeps the others', async () => {
    const user = await addUser({ username: 'alice', password: 'alice-long-password', actor });
    const sid = newSessionId();
    const mine = await cookieFor(user.id, 0, sid);
    const other = await cookieFor(user.id, 0);
    await endSession(sid);
    expect(await readSession(mine)).toBeNull();
    expect(await readSession(other)).toMatchObject({ userId: user.id });
    const row = await db().endedSession.findUnique({ where: { sid } });
    expect(row!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
  });

  it('ends every session of a user on a password change and on sign-out everywhere, not on a rehash', async () => {
    const user = await addUser({ username: 'bob', password: 'bob-long-password-1', actor });
    const before = await cookieFor(user.id, 0);
    expect(await readSession(before)).not.toBeNull();

    // A rehash of the same password (a weaker hash replaced at sign-in) keeps the session.
    const weak = (await import('bcryptjs')).default.hashSync('bob-long-password-1', 4);
    await db().user.update({ where: { id: user.id }, data: { passwordHash: weak } });
    const signedIn = await signInWithPassword({ username: 'bob', password: 'bob-long-password-1', ip: '192.0.2.1' });
    expect(signedIn?.sessionVersion).toBe(0);
    const stored = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^\$2b\$12\$/);
    expect((await verifyPassword('bob-long-password-1', stored.passwordHash)).ok).toBe(true);
    expect(await readSession(before)).not.toBeNull();

    await changePassword({ username: 'bob', password: 'bob-long-password-2', actor });
    expect(await readSession(before)).toBeNull();
    const after = await cookieFor(user.id, 1);
    expect(await readSession(after)).not.toBeNull();

    await signOutEverywhere({ username: 'bob', actor });
    expect(await readSession(after)).toBeNull();
    expect(await readSession(await cookieFor(user.id, 2))).not.toBeNull();
    expect(await db().log.count({ where: { action: 'logout_all' } })).toBe(1);
  });

  it('ends the sessions of a deleted user', async () => {
    await addUser({ username: 'keeper', password: 'keeper-long-password', actor });
    const user = await addUser({ username: 'carol', password: 'carol-long-password', actor });
    const cookie = await cookieFor(user.id, 0);
    await deleteUser({ username: 'carol', actor });
    expect(await readSession(cookie)).toBeNull();
  });
});
