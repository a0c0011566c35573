// The limiter rules on a real SQLite file, with an injected clock.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { consume, limitKey, peek, refund } from './rate-limit';
import { beginSignInAttempt, SIGN_IN_RULES } from './sign-in';
import { AppError } from '../errors';

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv();
});
afterAll(async () => {
  await temp.cleanup();
});

function rows(): { key: string; points: number; resetAt: number }[] {
  const sqlite = new Database(temp.databaseUrl.replace(/^file:/, ''), { readonly: true });
  try {
    return sqlite.prepare('SELECT key, points, resetAt FROM RateLimit ORDER BY key').all() as never;
  } finally {
    sqlite.close();
  }
}

beforeEach(() => {
  const sqlite = new Database(temp.databaseUrl.replace(/^file:/, ''));
  sqlite.prepare('DELETE FROM RateLimit').run();
  sqlite.close();
});

const rule = { points: 3, windowMs: 1000 };

async function refusal(promise: Promise<unknown>): Promise<AppError | null> {
  return promise.then(
    () => null,
    (error: unknown) => error as AppError,
  );
}

describe('consume', () => {
  it('counts every consume atomically, also in parallel, and starts a new window after resetAt', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => consume([{ key: 'k', rule }], 0)));
    expect(results.map(([r]) => r.points).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(peek('k', 999)).toMatchObject({ points: 50, resetAt: 1000 });
    const [next] = await consume([{ key: 'k', rule }], 1000);
    expect(next).toEqual({ key: 'k', points: 1, resetAt: 2000 });
  });

  it('refunds, never below zero, and prunes rows whose window ended', async () => {
    await consume([{ key: 'a', rule }], 10_000);
    await refund(['a'], 5, 10_000);
    expect(peek('a', 10_000).points).toBe(0);
    await consume([{ key: 'old', rule }], 20_000);
    await consume([{ key: 'new', rule }], 200_000); // prunes at most once a minute
    expect(rows().map((r) => r.key)).toEqual(['new']);
  });

  it('stores hashes, not the names and addresses it counts', () => {
    const key = limitKey('signin-user-ip', 'alice', '203.0.113.7');
    expect(key).toMatch(/^signin-user-ip:[A-Za-z0-9_-]{32}$/);
    expect(key).not.toContain('alice');
    expect(key).not.toContain('203.0.113');
  });
});

describe('sign-in attempts', () => {
  const at = 5_000_000;

  it('allows 5 attempts per username and IP, the username compared however it is spelled', async () => {
    for (const spelling of ['alice', 'Alice', ' ALICE ', 'alice', 'ＡＬＩＣＥ']) {
      await beginSignInAttempt({ username: spelling, ip: '203.0.113.1', now: at });
    }
    const refused = await refusal(beginSignInAttempt({ username: 'alice', ip: '203.0.113.1', now: at + 60_000 }));
    expect(refused).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: 840 } });
    expect(refused?.message).toBe('Too many failed sign-ins. Try again in 14 minutes.');
    // Another IP is not affected, and the window ends.
    await beginSignInAttempt({ username: 'alice', ip: '203.0.113.2', now: at });
    await beginSignInAttempt({ username: 'alice', ip: '203.0.113.1', now: at + SIGN_IN_RULES.userIp.windowMs });
  });

  it('counts before it checks: of 30 parallel attempts exactly 5 may go on', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () => refusal(beginSignInAttempt({ username: 'bob', ip: '203.0.113.3', now: at }))),
    );
    expect(outcomes.filter((o) => o === null)).toHaveLength(5);
  });

  it('allows 20 attempts per IP whatever the usernames', async () => {
    for (let i = 0; i < 20; i++) await beginSignInAttempt({ username: `user${i}`, ip: '203.0.113.4', now: at });
    expect(await refusal(beginSignInAttempt({ username: 'fresh', ip: '203.0.113.4', now: at }))).toMatchObject({
      code: 'rate_limited',
    });
  });

  it('refunds a successful attempt and clears the (username, IP) count', async () => {
    for (let i = 0; i < 4; i++) await beginSignInAttempt({ username: 'carol', ip: '203.0.113.5', now: at });
    const success = await beginSignInAttempt({ username: 'carol', ip: '203.0.113.5', now: at });
    await success.finish(true);
    expect(peek(limitKey('signin-user-ip', 'carol', '203.0.113.5'), at).points).toBe(0);
    expect(peek(limitKey('signin-ip', '203.0.113.5'), at).points).toBe(4);
    for (let i = 0; i < 5; i++) await beginSignInAttempt({ username: 'carol', ip: '203.0.113.5', now: at });
  });

  it('under attack from many IPs, slows each to 2 guesses but lets a clean IP try', async () => {
    for (let i = 0; i < 12; i++) await beginSignInAttempt({ username: 'dave', ip: `198.51.100.${i}`, now: at });
    // The username is past its 10 attempts: an IP with one earlier attempt may make a second…
    await beginSignInAttempt({ username: 'dave', ip: '198.51.100.1', now: at });
    // …but not a third, although it is far from its own 5.
    expect(await refusal(beginSignInAttempt({ username: 'dave', ip: '198.51.100.1', now: at }))).toMatchObject({
      code: 'rate_limited',
    });
    // A clean IP is never refused for the username's count alone.
    const owner = await beginSignInAttempt({ username: 'dave', ip: '192.0.2.50', now: at });
    await owner.finish(true);
  });
});
