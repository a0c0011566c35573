// The in-memory key ring of this process. Kept on globalThis so the plain Node front server and
// the Next route handlers of the same process (two module instances) share one cache, and a
// rotation made through the API is seen by the download path at once.
import 'server-only';
import type { SigningAlgorithm } from './types';

export type RingKey = {
  kid: string;
  algorithm: SigningAlgorithm;
  createdAt: Date;
  retiredAt: Date | null;
  verifyUntil: Date | null;
  /** Ready for jose; null when this process cannot use the key (material does not decrypt). */
  verifyKey: CryptoKey | null;
};

export type KeyCacheSettings = {
  /** The ring is re-read at most this long after the last read: the bound on seeing another
   * process's rotation or emergency retirement. */
  reloadIntervalMs: number;
  /** An unknown kid re-reads the ring at most this often, so garbage kids cannot hammer the
   * database, while a key made a moment ago by another process is found at once. */
  missReloadIntervalMs: number;
};

type RingState = {
  settings: KeyCacheSettings;
  keys: Map<string, RingKey>;
  /** Date.now() when the current `keys` were read (their query started). */
  loadedAt: number;
  missReloadAt: number;
  /** Bumped by every invalidation; a read started before it does not count as fresh. */
  generation: number;
  loading: { generation: number; promise: Promise<void> } | null;
  /** CryptoKeys by kid; a key's material never changes, so they survive reloads. */
  verifyKeys: Map<string, CryptoKey | null>;
  signKeys: Map<string, CryptoKey>;
  /** Database reads of the ring so far (for tests and diagnostics). */
  reads: number;
};

const DEFAULT_SETTINGS: KeyCacheSettings = { reloadIntervalMs: 5_000, missReloadIntervalMs: 1_000 };

const globalForKeys = globalThis as unknown as { fileserverKeyRing?: RingState };

export function ringState(): RingState {
  globalForKeys.fileserverKeyRing ??= freshState({ ...DEFAULT_SETTINGS });
  return globalForKeys.fileserverKeyRing;
}

function freshState(settings: KeyCacheSettings): RingState {
  return {
    settings,
    keys: new Map(),
    loadedAt: -Infinity,
    missReloadAt: -Infinity,
    generation: 0,
    loading: null,
    verifyKeys: new Map(),
    signKeys: new Map(),
    reads: 0,
  };
}

/** Forget what was read; the next lookup reads the ring again. Called after every rotation. */
export function invalidateKeyCache(): void {
  const state = ringState();
  state.generation += 1;
  state.loadedAt = -Infinity;
}

export function configureKeyCache(settings: Partial<KeyCacheSettings>): void {
  Object.assign(ringState().settings, settings);
}

/** How often this process has read the ring from the database. */
export function keyCacheStats(): { reads: number; loadedAt: number; keys: number } {
  const state = ringState();
  return { reads: state.reads, loadedAt: state.loadedAt, keys: state.keys.size };
}

/** Tests switch databases: drop every cached key and restore the default settings. */
export function resetKeyCacheForTests(): void {
  globalForKeys.fileserverKeyRing = freshState({ ...DEFAULT_SETTINGS });
}
