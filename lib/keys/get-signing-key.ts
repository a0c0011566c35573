// The key that signs new links. Unlike verification this reads the active key's row each time
// (one small query; making a link writes to the database anyway): a link must never be signed
// with a key another process has just retired in an emergency, or it would be born invalid.
// The imported CryptoKey itself is cached by kid.
import 'server-only';
import { importSigningKey } from './import-key';
import { ringState } from './ring-state';
import { ensureSigningKey } from './rotate-keys';
import type { SigningAlgorithm } from './types';

export type SigningKey = { kid: string; algorithm: SigningAlgorithm; key: CryptoKey };

export async function getSigningKey(now: Date = new Date()): Promise<SigningKey> {
  const row = await ensureSigningKey(now);
  const state = ringState();
  let key = state.signKeys.get(row.kid);
  if (!key) {
    key = await importSigningKey(row);
    state.signKeys.set(row.kid, key);
  }
  return { kid: row.kid, algorithm: row.algorithm as SigningAlgorithm, key };
}
