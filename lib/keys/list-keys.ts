// The key ring as the UI, API and CLI show it, and the JWKS. Never key material.
import 'server-only';
import type { JWK } from 'jose';
import { db } from '../db';
import { env } from '../env';
import { isVerifying } from './get-verification-key';
import { nextRotationAt } from './rotation-slot';
import type { SigningAlgorithm } from './types';

export type KeyInfo = {
  kid: string;
  algorithm: SigningAlgorithm;
  createdAt: Date;
  retiredAt: Date | null;
  verifyUntil: Date | null;
  /** The key that signs new links. */
  active: boolean;
  /** Still accepted for links it signed (active, or retired and not past verifyUntil). */
  verifying: boolean;
  /** Made by the scheduler (true) or on demand / at first start (false). */
  scheduled: boolean;
};

export type KeyRingStatus = {
  /** Newest first. */
  keys: KeyInfo[];
  algorithm: SigningAlgorithm;
  rotationIntervalMs: number;
  /** When the scheduler replaces the active key (null when there is none yet). */
  nextRotationAt: Date | null;
};

export async function listKeys(now: Date = new Date()): Promise<KeyRingStatus> {
  const config = env();
  const rows = await db().signingKey.findMany({
    select: { kid: true, algorithm: true, createdAt: true, retiredAt: true, verifyUntil: true, slot: true },
    orderBy: [{ createdAt: 'desc' }, { kid: 'desc' }],
  });
  // The newest unretired key signs (findActiveKey's rule).
  const activeKid = rows.find((row) => row.retiredAt === null)?.kid;
  const keys = rows.map((row): KeyInfo => ({
    kid: row.kid,
    algorithm: row.algorithm as SigningAlgorithm,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
    verifyUntil: row.verifyUntil,
    active: row.kid === activeKid,
    verifying: isVerifying(row, now),
    scheduled: row.slot !== null,
  }));
  const active = keys.find((key) => key.active);
  return {
    keys,
    algorithm: config.linkSigningAlg,
    rotationIntervalMs: config.keyRotationIntervalMs,
    nextRotationAt: active ? nextRotationAt(active.createdAt, config.keyRotationIntervalMs) : null,
  };
}

export type Jwks = { keys: JWK[] };

/**
 * For /.well-known/jwks.json: the public keys of every EdDSA key still verifying, so a
 * download-only process or a third party can check links without any private key. With HS256
 * there is nothing public to publish: an empty set.
 */
export async function publicJwks(now: Date = new Date()): Promise<Jwks> {
  if (env().linkSigningAlg !== 'EdDSA') return { keys: [] };
  const rows = await db().signingKey.findMany({
    where: { algorithm: 'EdDSA', publicJwk: { not: null }, OR: [{ verifyUntil: null }, { verifyUntil: { gt: now } }] },
    select: { publicJwk: true },
    orderBy: [{ createdAt: 'desc' }, { kid: 'desc' }],
  });
  return { keys: rows.map((row) => JSON.parse(row.publicJwk as string) as JWK) };
}
