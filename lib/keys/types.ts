// Shared names of the key ring.
import type { Actor } from '../audit';

export const SIGNING_ALGORITHMS = ['HS256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** The server acting on its own (scheduled rotation, first key, algorithm change). */
export const SYSTEM_ACTOR: Actor = { user: 'system', ip: null };

/**
 * Characters of the fingerprint kept as the kid. 12 base64url characters are 72 bits: far more
 * than enough to tell the few keys of a ring apart, and every character saved keeps the link
 * pasteable (see the length test in lib/links). A kid is a lookup name, not a secret; a
 * collision would only make one link fail verification, never make a forged one pass.
 */
export const KID_LENGTH = 12;
