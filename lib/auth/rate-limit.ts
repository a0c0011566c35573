// Rate limits that count before they check, shared by every process and surviving restarts:
// the ideas of rate-limiter-flexible (fixed window per key, consume = one atomic upsert that
// returns the new count, refund on success), stored in the RateLimit table and written
// through lib/db's non-blocking writer (a busy database is retried from the event loop, never
// waited for inside SQLite). Keys are SHA-256 hashes of what they count (a username, an IP, a
// token id), so the table holds no name or address in the clear. Rows are pruned once their
// window has ended.
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { prepared, writeWhenFree } from '../db/hot-writer';
import { readOnlyDb } from '../db/read-only';

export type RateLimitRule = { points: number; windowMs: number };

/** A key's count after this consume, and when its window ends (epoch ms). */
export type Consumed = { key: string; points: number; resetAt: number };

/** A stable key for `kind` and its parts; only a hash of the parts is stored. */
export function limitKey(kind: string, ...parts: string[]): string {
  const digest = crypto.createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('base64url');
  return `${kind}:${digest.slice(0, 32)}`;
}

const CONSUME = `
  INSERT INTO "RateLimit" ("key", "points", "resetAt") VALUES (@key, @points, @now + @windowMs)
  ON CONFLICT ("key") DO UPDATE SET
    "points" = CASE WHEN "resetAt" <= @now THEN @points ELSE "points" + @points END,
    "resetAt" = CASE WHEN "resetAt" <= @now THEN @now + @windowMs ELSE "resetAt" END
  RETURNING "points", "resetAt"`;
const REFUND = `UPDATE "RateLimit" SET "points" = MAX("points" - @points, 0) WHERE "key" = @key AND "resetAt" > @now`;
const DELETE = `DELETE FROM "RateLimit" WHERE "key" = ?`;
const PRUNE = `DELETE FROM "RateLimit" WHERE "resetAt" <= ?`;
const PEEK = `SELECT "points", "resetAt" FROM "RateLimit" WHERE "key" = ? AND "resetAt" > ?`;

const PRUNE_EVERY_MS = 60_000;
const globalForLimits = globalThis as unknown as { fileserverRateLimitPrunedAt?: number };

function pruneNowAndThen(sqlite: Database.Database, now: number): void {
  const last = globalForLimits.fileserverRateLimitPrunedAt ?? 0;
  if (now - last < PRUNE_EVERY_MS && now >= last) return;
  globalForLimits.fileserverRateLimitPrunedAt = now;
  prepared(sqlite, PRUNE).run(now);
}

/**
 * Consumes `points` (default 1) of every key in one transaction and returns the counts after
 * it. Whether that is over a rule's limit is the caller's decision: a consume is never undone
 * by being refused, so parallel requests cannot all see the same old count.
 */
export async function consume(
  entries: { key: string; rule: RateLimitRule; points?: number }[],
  now: number = Date.now(),
): Promise<Consumed[]> {
  return writeWhenFree((sqlite) =>
    sqlite
      .transaction(() => {
        const results = entries.map(({ key, rule, points = 1 }) => {
          const row = prepared(sqlite, CONSUME).get({ key, points, now, windowMs: rule.windowMs }) as {
            points: number;
            resetAt: number;
          };
          return { key, points: Number(row.points), resetAt: Number(row.resetAt) };
        });
        pruneNowAndThen(sqlite, now);
        return results;
      })
      .immediate(),
  );
}

/** Gives back `points` to each key (never below zero), e.g. after a successful sign-in. */
export async function refund(keys: string[], points = 1, now: number = Date.now()): Promise<void> {
  await writeWhenFree((sqlite) =>
    sqlite
      .transaction(() => {
        for (const key of keys) prepared(sqlite, REFUND).run({ key, points, now });
      })
      .immediate(),
  );
}

/** Forgets keys entirely. */
export async function forget(keys: string[]): Promise<void> {
  await writeWhenFree((sqlite) =>
    sqlite
      .transaction(() => {
        for (const key of keys) prepared(sqlite, DELETE).run(key);
      })
      .immediate(),
  );
}

/** The points a key has used in its current window (0 when none): a read, no write. */
export function peek(key: string, now: number = Date.now()): Consumed {
  const row = prepared(readOnlyDb(), PEEK).get(key, now) as { points: number; resetAt: number } | undefined;
  return row ? { key, points: Number(row.points), resetAt: Number(row.resetAt) } : { key, points: 0, resetAt: now };
}

/** Milliseconds until `consumed` is back within `rule`. */
export function retryAfterMs(consumed: Consumed, now: number = Date.now()): number {
  return Math.max(consumed.resetAt - now, 1000);
}
