// Waiting for SQLite's write lock without blocking the event loop. Every connection of ours
// has a busy timeout of 0: a write that finds the lock held (by another process, or by a
// transaction on another connection of this one) fails at once, and is tried again here a
// moment later from the event loop, until DB_BUSY_TIMEOUT. Then the request gets a 503 with
// Retry-After (databaseBusy) instead of a frozen process.
import { AppError } from '../errors';

/** SQLite's primary or extended result code of `error`: a better-sqlite3 error or a Prisma one. */
export function sqliteCode(error: unknown): string | undefined {
  const e = error as {
    code?: unknown;
    cause?: { originalCode?: unknown };
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  } | null;
  const candidates = [e?.meta?.driverAdapterError?.cause?.originalCode, e?.cause?.originalCode, e?.code];
  return candidates.find((c): c is string => typeof c === 'string' && c.startsWith('SQLITE_'));
}

/**
 * The lock is held by someone else: trying again later can succeed. Not SQLITE_BUSY_SNAPSHOT
 * (a transaction whose snapshot is stale never succeeds by waiting) nor recovery states.
 */
export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

export const RETRY_AFTER_SECONDS = 1;

export function databaseBusy(cause?: unknown): AppError {
  const error = new AppError('unavailable', 'The server is busy. Try again in a moment.', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause });
  return error;
}

/** Runs `attempt` until it does not fail with busy, or `budgetMs` passed (then the busy error). */
export async function retryWhileBusy<T>(attempt: () => T | Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let round = 0; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      const pause = Math.min(1 + round * 2, 25, Math.max(1, deadline - Date.now()));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
