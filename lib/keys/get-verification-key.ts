// Key lookup on the download hot path: a Map read, no database. The ring is re-read when the
// copy is older than reloadIntervalMs (one small query per interval, shared by all requests
// waiting at that moment) and, rate-limited, when a token names a kid we do not know.
import 'server-only';
import { db } from '../db';
import { importVerificationKey } from './import-key';
import { ringState, type RingKey } from './ring-state';
import type { SigningAlgorithm } from './types';

/** The ring entry for `kid` (usable or not), or undefined when the ring has no such key. */
export async function lookupKey(kid: string): Promise<RingKey | undefined> {
  const state = ringState();
  if (Date.now() - state.loadedAt > state.settings.reloadIntervalMs) await reloadKeyRing();
  const key = state.keys.get(kid);
  if (key) return key;
  if (Date.now() - state.missReloadAt < state.settings.missReloadIntervalMs) return undefined;
  state.missReloadAt = Date.now();
  await reloadKeyRing({ force: true });
  return state.keys.get(kid);
}

/** The key that verifies tokens with this kid at `now`, or null (unknown, past verifyUntil, unusable). */
export async function getVerificationKey(kid: string, now: Date = new Date()): Promise<RingKey | null> {
  const key = await lookupKey(kid);
  if (!key || !key.verifyKey || !isVerifying(key, now)) return null;
  return key;
}

export function isVerifying(key: { verifyUntil: Date | null }, now: Date): boolean {
  return key.verifyUntil === null || key.verifyUntil.getTime() > now.getTime();
}

/**
 * Reads the ring from the database. Concurrent callers share one read (unless it began before
 * the last invalidation); `force` always starts a new one.
 */
export async function reloadKeyRing({ force = false } = {}): Promise<void> {
  const state = ringState();
  const inFlight = state.loading;
  // A forced read does not join one under way: that one may have started before the key we
  // are looking for was committed.
  if (!force && inFlight && inFlight.generation === state.generation) return inFlight.promise;
  const generation = state.generation;
  const startedAt = Date.now();
  const promise = readRing().then((keys) => {
    // Only a read at least as new as the current copy replaces it.
    if (generation === state.generation && startedAt >= state.loadedAt) {
      state.keys = keys;
      state.loadedAt = startedAt;
    }
  });
  state.loading = { generation, promise };
  try {
    await promise;
  } finally {
    if (state.loading?.promise === promise) state.loading = null;
  }
}

async function readRing(): Promise<Map<string, RingKey>> {
  const state = ringState();
  state.reads += 1;
  const rows = await db().signingKey.findMany({
    select: {
      kid: true,
      algorithm: true,
      material: true,
      publicJwk: true,
      createdAt: true,
      retiredAt: true,
      verifyUntil: true,
    },
  });
  const keys = new Map<string, RingKey>();
  for (const row of rows) {
    let verifyKey = state.verifyKeys.get(row.kid);
    if (verifyKey === undefined) {
      verifyKey = await importVerificationKey(row).catch((error: unknown) => {
        // Logged once per key and process: a wrong MASTER_SECRET or a damaged row.
        console.error(`[keys] signing key ${row.kid} cannot be used: ${(error as Error).message}`);
        return null;
      });
      state.verifyKeys.set(row.kid, verifyKey);
    }
    keys.set(row.kid, {
      kid: row.kid,
      algorithm: row.algorithm as SigningAlgorithm,
      createdAt: row.createdAt,
      retiredAt: row.retiredAt,
      verifyUntil: row.verifyUntil,
      verifyKey,
    });
  }
  for (const kid of state.verifyKeys.keys()) if (!keys.has(kid)) state.verifyKeys.delete(kid);
  for (const kid of state.signKeys.keys()) if (!keys.has(kid)) state.signKeys.delete(kid);
  return keys;
}
