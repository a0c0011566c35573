// The link-signing key ring, for server code (front server, route handlers, CLI).
import 'server-only';

export { encryptKeyMaterial, decryptKeyMaterial } from './key-material';
export { createSigningKey, type NewSigningKey } from './create-signing-key';
export {
  rotateKeys,
  KEY_RING_CHANGED,
  retireAllKeys,
  ensureSigningKey,
  rotateIfDue,
  findActiveKey,
  type RotateKeysInput,
  type RotateKeysResult,
  type ActiveKeyRow,
} from './rotate-keys';
export { getVerificationKey, lookupKey, reloadKeyRing, isVerifying } from './get-verification-key';
export { getSigningKey, type SigningKey } from './get-signing-key';
export {
  configureKeyCache,
  invalidateKeyCache,
  keyCacheStats,
  resetKeyCacheForTests,
  type RingKey,
  type KeyCacheSettings,
} from './ring-state';
export { listKeys, publicJwks, type KeyInfo, type KeyRingStatus, type Jwks } from './list-keys';
export { rotationSlot, nextRotationAt } from './rotation-slot';
export { startKeyRotationSchedule, type KeyRotationSchedule } from './schedule-key-rotation';
export { SIGNING_ALGORITHMS, SYSTEM_ACTOR, KID_LENGTH, type SigningAlgorithm } from './types';
