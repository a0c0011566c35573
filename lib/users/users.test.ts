import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { createApiToken } from '../auth/api-tokens';
import { verifyPassword } from '../auth/password';
import { db } from '../db';
import { AppError } from '../errors';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { addUser, changePassword, deleteUser, findUserForSignIn, listUsers } from '.';

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv();
});
afterAll(async () => {
  await temp.cleanup();
});
beforeEach(async () => {
  await db().log.deleteMany();
  await db().user.deleteMany();
});

const actor = { user: 'root', ip: '203.0.113.9' };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('addUser', () => {
  it('stores a bcrypt hash that verifies, and audits user_add without the password', async () => {
    const user = await addUser({ username: 'alice', password: 'alice-long-password', actor });
    expect(user).toMatchObject({ username: 'alice', apiTokens: 0 });
    expect(user).not.toHaveProperty('passwordHash');
    const stored = await findUserForSignIn('alice');
    expect(stored?.passwordHash).toMatch(/^\$2b\$12\$/);
    expect((await verifyPassword('alice-long-password', stored!.passwordHash)).ok).toBe(true);

    const logs = await db().log.findMany();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      action: 'user_add',
      user: 'root',
      ipAddress: '203.0.113.9',
      info: 'username: alice',
    });
    expect(logs[0].info).not.toContain('alice-long-password');
  });

  it('refuses a second user of the same name, also in another case', async () => {
    await addUser({ username: 'alice', password: 'alice-long-password', actor });
    const again = await rejection(addUser({ username: 'alice', password: 'another-long-password', actor }));
    expect(again).toMatchObject({ code: 'conflict', message: 'User "alice" already exists.' });
    const upper = await rejection(addUser({ username: 'Alice', password: 'another-long-password', actor }));
    expect(upper.message).toBe('User "alice" already exists.');
    expect(await listUsers()).toHaveLength(1);
  });

  it('refuses bad usernames and weak passwords with a sentence', async () => {
    for (const username of ['', 'has space', 'slash/name', 'x'.repeat(65), 'ümlaut']) {
      const error = await rejection(addUser({ username, password: 'a-fine-long-password', actor }));
      expect(error.code, username).toBe('validation_failed');
    }
    expect(await addUser({ username: 'ops.bot_1@example-org', password: 'a-fine-long-password', actor })).toBeTruthy();
    const weak = await rejection(addUser({ username: 'bob', password: 'password123!', actor }));
    expect(weak).toMatchObject({
      code: 'validation_failed',
      message: 'This password is one of the most common passwords; choose another.',
    });
    expect(await findUserForSignIn('bob')).toBeNull();
  });
});

describe('deleteUser', () => {
  it('refuses to delete the last user', async () => {
    await addUser({ username: 'alice', password: 'alice-long-password', actor });
    const error = await rejection(deleteUser({ username: 'alice', actor }));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/only user/);
    expect(await findUserForSignIn('alice')).not.toBeNull();
  });

  it('deletes a user with their API tokens and audits it', async () => {
    await addUser({ username: 'alice', password: 'alice-long-password', actor });
    const bob = await addUser({ username: 'bob', password: 'bob-long-password', actor });
    await createApiToken({ name: 'ci', userId: bob.id, expiresInMs: null, actor });
    await deleteUser({ username: 'bob', actor: CLI_ACTOR });
    expect((await listUsers()).map((u) => u.username)).toEqual(['alice']);
    expect(await db().apiToken.count()).toBe(0);
    const log = await db().log.findFirst({ where: { action: 'user_delete' } });
    expect(log).toMatchObject({ user: 'cli', ipAddress: 'terminal', info: 'username: bob, tokens_removed: 1' });
  });

  it('says when the user does not exist', async () => {
    await addUser({ username: 'alice', password: 'alice-long-password', actor });
    const error = await rejection(deleteUser({ username: 'nobody', actor }));
    expect(error).toMatchObject({ code: 'not_found', message: 'User "nobody" does not exist.' });
  });
});

describe('changePassword', () => {
  it('replaces the hash, checks the policy, and audits without the password', async () => {
    await addUser({ username: 'alice', password: 'alice-long-password', actor });
    await changePassword({ username: 'alice', password: 'a-brand-new-password', actor });
    const stored = await findUserForSignIn('alice');
    expect((await verifyPassword('a-brand-new-password', stored!.passwordHash)).ok).toBe(true);
    expect((await verifyPassword('alice-long-password', stored!.passwordHash)).ok).toBe(false);

    const weak = await rejection(changePassword({ username: 'alice', password: 'alice', actor }));
    expect(weak.code).toBe('validation_failed');
    const missing = await rejection(changePassword({ username: 'nobody', password: 'a-brand-new-password', actor }));
    expect(missing.code).toBe('not_found');

    const log = await db().log.findFirst({ where: { action: 'user_passwd' } });
    expect(log?.info).toBe('username: alice');
  });
});

describe('listUsers', () => {
  it('lists by name with token counts and never a hash', async () => {
    await addUser({ username: 'carol', password: 'carol-long-password', actor });
    const alice = await addUser({ username: 'alice', password: 'alice-long-password', actor });
    await createApiToken({ name: 'ci', userId: alice.id, expiresInMs: null, actor });
    const users = await listUsers();
    expect(users.map((u) => [u.username, u.apiTokens])).toEqual([
      ['alice', 1],
      ['carol', 0],
    ]);
    expect(JSON.stringify(users)).not.toContain('$2b$');
  });
});
