import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { db } from '../db';
import { AppError } from '../errors';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import {
  authenticateApiToken,
  createApiToken,
  LAST_USED_RESOLUTION_MS,
  listApiTokens,
  parseTokenExpiry,
  revokeApiToken,
} from './api-tokens';

let temp: TempEnv;
let userId: string;
const actor = { user: 'alice', ip: '198.51.100.7' };
const DAY = 86_400_000;

beforeAll(async () => {
  temp = await createTempEnv();
  // A hash, not a real password: these tests are about tokens.
  userId = (await db().user.create({ data: { username: 'alice', passwordHash: 'x' } })).id;
});
afterAll(async () => {
  await temp.cleanup();
});
beforeEach(async () => {
  await db().apiToken.deleteMany();
  await db().log.deleteMany();
});

describe('createApiToken', () => {
  it('returns a 256-bit token once and stores only its SHA-256', async () => {
    const { token, record } = await createApiToken({ name: 'ci', userId, expiresInMs: 90 * DAY, actor });
    expect(token).toMatch(/^fsk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);

    const row = await db().apiToken.findUniqueOrThrow({ where: { id: record.id } });
    expect(row.tokenHash).toBe(crypto.createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    expect(record).not.toHaveProperty('tokenHash');
    expect(record).toMatchObject({ name: 'ci', username: 'alice', status: 'active', lastUsedAt: null });
    expect(record.expiresAt!.getTime() - Date.now()).toBeGreaterThan(90 * DAY - 60_000);
  });

  it('makes a different token every time', async () => {
    const a = await createApiToken({ name: 'a', userId, expiresInMs: null, actor });
    const b = await createApiToken({ name: 'a', userId, expiresInMs: null, actor });
    expect(a.token).not.toBe(b.token);
  });

  it('audits the name, id and expiry, never the token', async () => {
    const { token, record } = await createApiToken({ name: 'portal', userId, expiresInMs: null, actor });
    const log = await db().log.findFirstOrThrow({ where: { action: 'token_create' } });
    expect(log).toMatchObject({ user: 'alice', ipAddress: '198.51.100.7' });
    expect(log.info).toBe(`name: portal, id: ${record.id}, owner: alice, expires: never`);
    expect(log.info).not.toContain(token.slice(4, 20));
  });

  it('refuses an empty name and an unknown owner', async () => {
    await expect(createApiToken({ name: '  ', userId, expiresInMs: null, actor })).rejects.toBeInstanceOf(AppError);
    await expect(createApiToken({ name: 'x', userId: 'nope', expiresInMs: null, actor })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('authenticateApiToken', () => {
  it('accepts a current token and names its owner', async () => {
    const { token, record } = await createApiToken({ name: 'ci', userId, expiresInMs: DAY, actor });
    const found = await authenticateApiToken(token);
    expect(found?.user).toEqual({ id: userId, username: 'alice' });
    expect(found?.token.id).toBe(record.id);
    expect(found?.token).not.toHaveProperty('tokenHash');
  });

  it('rejects unknown, malformed and altered tokens', async () => {
    const { token } = await createApiToken({ name: 'ci', userId, expiresInMs: DAY, actor });
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const candidate of [altered, '', 'fsk_', token + 'x', token.slice(4), `Bearer ${token}`]) {
      expect(await authenticateApiToken(candidate), candidate).toBeNull();
    }
  });

  it('rejects an expired token', async () => {
    const { token, record } = await createApiToken({ name: 'ci', userId, expiresInMs: DAY, actor });
    await db().apiToken.update({ where: { id: record.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await authenticateApiToken(token)).toBeNull();
    expect((await listApiTokens())[0].status).toBe('expired');
  });

  it('rejects a revoked token at once, and revoking again changes nothing', async () => {
    const { token, record } = await createApiToken({ name: 'ci', userId, expiresInMs: null, actor });
    expect(await authenticateApiToken(token)).not.toBeNull();
    const first = await revokeApiToken({ id: record.id, actor });
    expect(first).toMatchObject({ changed: true, token: { status: 'revoked' } });
    expect(await authenticateApiToken(token)).toBeNull();

    const second = await revokeApiToken({ id: record.id, actor });
    expect(second.changed).toBe(false);
    expect(second.token.revokedAt).toEqual(first.token.revokedAt);
    expect(await db().log.count({ where: { action: 'token_revoke' } })).toBe(1);
    const log = await db().log.findFirstOrThrow({ where: { action: 'token_revoke' } });
    expect(log.info).toBe(`name: ci, id: ${record.id}, owner: alice`);
  });

  it('says when the token to revoke does not exist', async () => {
    await expect(revokeApiToken({ id: 'nope', actor })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records the last use at most once a minute', async () => {
    const { token, record } = await createApiToken({ name: 'ci', userId, expiresInMs: null, actor });
    await authenticateApiToken(token);
    // Written in the background (a busy database must not hold up the request).
    const lastUsed = async () => (await db().apiToken.findUniqueOrThrow({ where: { id: record.id } })).lastUsedAt;
    await vi.waitFor(async () => expect(await lastUsed()).not.toBeNull());
    const firstUse = await lastUsed();
    expect(Date.now() - firstUse!.getTime()).toBeLessThan(10_000);

    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([authenticateApiToken(token), authenticateApiToken(token)]);
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: record.id } })).lastUsedAt).toEqual(firstUse);

    // A minute later the next request updates it.
    const aMinuteAgo = new Date(Date.now() - LAST_USED_RESOLUTION_MS - 1000);
    await db().apiToken.update({ where: { id: record.id }, data: { lastUsedAt: aMinuteAgo } });
    await authenticateApiToken(token);
    await vi.waitFor(async () => expect((await lastUsed())!.getTime()).toBeGreaterThan(aMinuteAgo.getTime() + 30_000));
  });
});

describe('listApiTokens', () => {
  it('lists newest first, filtered by user, with no secret in the output', async () => {
    const bob = await db().user.create({ data: { username: 'bob', passwordHash: 'x' } });
    const older = await createApiToken({ name: 'old', userId, expiresInMs: null, actor });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await createApiToken({ name: 'new', userId, expiresInMs: null, actor });
    await createApiToken({ name: 'bobs', userId: bob.id, expiresInMs: null, actor });

    expect((await listApiTokens(userId)).map((t) => t.name)).toEqual(['new', 'old']);
    const all = await listApiTokens();
    expect(all).toHaveLength(3);
    const text = JSON.stringify(all);
    expect(text).not.toContain('tokenHash');
    expect(text).not.toContain(older.token.slice(4));
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: older.record.id } });
    expect(text).not.toContain(row.tokenHash);
    await db().user.delete({ where: { id: bob.id } });
  });
});

describe('parseTokenExpiry', () => {
  it('reads durations and "never", and refuses the rest with a sentence', () => {
    expect(parseTokenExpiry('90d')).toBe(90 * DAY);
    expect(parseTokenExpiry('12h')).toBe(12 * 3_600_000);
    expect(parseTokenExpiry('never')).toBeNull();
    expect(parseTokenExpiry('Never')).toBeNull();
    for (const bad of ['', '5x', '-1d', '0d', 'soon']) {
      expect(() => parseTokenExpiry(bad), bad).toThrow(/is not an expiry/);
    }
  });
});
