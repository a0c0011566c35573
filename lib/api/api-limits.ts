// The API's limits (README, "Signing in, users and API tokens"), on the shared RateLimit table:
// - failed authentications (a wrong, expired or revoked API token) per client IP: 100 in 15
//   minutes; past that the IP's API calls with a token answer 429 until the window ends,
//   before the token is even looked up;
// - calls per API token: 30,000 a minute (500/s averaged over the minute). The benchmark's
//   busiest minute with one token is about 7,500 calls (2,000 link creations at ~200/s, then
//   list and search requests at ~337/s for 16 s), a quarter of the allowance; a runaway
//   script making thousands of calls a second is held back.
//   Counted in memory and written once a second, so several processes may together let a
//   token exceed it by about a second's calls.
import 'server-only';
import { AppError } from '../errors';
import { consume, limitKey, peek, type RateLimitRule, retryAfterMs } from '../auth/rate-limit';

export const API_AUTH_FAILURE_RULE: RateLimitRule = { points: 100, windowMs: 15 * 60_000 };
export const API_TOKEN_CALL_RULE: RateLimitRule = { points: 30_000, windowMs: 60_000 };

function limited(message: string, waitMs: number): AppError {
  return new AppError('rate_limited', message, { retryAfterSeconds: Math.ceil(waitMs / 1000) });
}

/** Throws 429 when this IP has failed to authenticate too often (a read, no write). */
export function assertApiAuthAllowed(ip: string, now = Date.now()): void {
  const failures = peek(limitKey('api-auth-fail-ip', ip), now);
  if (failures.points >= API_AUTH_FAILURE_RULE.points) {
    throw limited(
      'Too many failed API authentications from this address. Try again later.',
      retryAfterMs(failures, now),
    );
  }
}

/** Counts a failed authentication of this IP. */
export async function recordApiAuthFailure(ip: string, now = Date.now()): Promise<void> {
  await consume([{ key: limitKey('api-auth-fail-ip', ip), rule: API_AUTH_FAILURE_RULE }], now);
}

// Calls per token are counted in memory and written once a second (one transaction for all
// tokens), so an API call costs no database write; the count read back is every process's.
type TokenCalls = { shared: number; resetAt: number; pending: number };
const FLUSH_EVERY_MS = 1000;
const globalForCalls = globalThis as unknown as {
  fileserverTokenCalls?: Map<string, TokenCalls>;
  fileserverTokenCallsTimer?: NodeJS.Timeout;
};

function tokenCalls(): Map<string, TokenCalls> {
  return (globalForCalls.fileserverTokenCalls ??= new Map<string, TokenCalls>());
}

/** Counts one call of an API token; throws 429 past its allowance. */
export function consumeApiTokenCall(tokenId: string, now = Date.now()): void {
  const calls = tokenCalls();
  let entry = calls.get(tokenId);
  if (!entry || entry.resetAt <= now) {
    entry = { shared: 0, resetAt: now + API_TOKEN_CALL_RULE.windowMs, pending: 0 };
    calls.set(tokenId, entry);
  }
  if (entry.shared + entry.pending >= API_TOKEN_CALL_RULE.points) {
    throw limited(
      `This API token made more than ${API_TOKEN_CALL_RULE.points} calls in a minute. Slow down and try again shortly.`,
      entry.resetAt - now,
    );
  }
  entry.pending += 1;
  globalForCalls.fileserverTokenCallsTimer ??= setTimeout(() => {
    globalForCalls.fileserverTokenCallsTimer = undefined;
    void flushTokenCalls().catch((error: unknown) => console.error('[api] counting token calls failed', error));
  }, FLUSH_EVERY_MS).unref();
}

/** Writes the calls counted since the last flush and learns each token's count across processes. */
export async function flushTokenCalls(now = Date.now()): Promise<void> {
  const calls = tokenCalls();
  const batch = [...calls.entries()].filter(([, entry]) => entry.pending > 0);
  for (const [tokenId, entry] of calls) if (entry.pending === 0 && entry.resetAt <= now) calls.delete(tokenId);
  if (batch.length === 0) return;
  const counts = batch.map(([, entry]) => entry.pending);
  for (const [, entry] of batch) entry.pending = 0;
  try {
    const results = await consume(
      batch.map(([tokenId], i) => ({
        key: limitKey('api-token', tokenId),
        rule: API_TOKEN_CALL_RULE,
        points: counts[i],
      })),
      now,
    );
    batch.forEach(([, entry], i) => {
      entry.shared = results[i].points - entry.pending;
      entry.resetAt = results[i].resetAt;
    });
  } catch (error) {
    batch.forEach(([, entry], i) => (entry.pending += counts[i]));
    throw error;
  }
}

/** API tokens an admin may create in the admin UI: 20 an hour (the CLI, run on the server, is not limited). */
export const TOKEN_CREATE_RULE: RateLimitRule = { points: 20, windowMs: 60 * 60_000 };

export async function consumeTokenCreation(userId: string, now = Date.now()): Promise<void> {
  const [made] = await consume([{ key: limitKey('token-create-user', userId), rule: TOKEN_CREATE_RULE }], now);
  if (made.points > TOKEN_CREATE_RULE.points) {
    throw limited('Too many API tokens created in the last hour. Try again later.', retryAfterMs(made, now));
  }
}
