// Rotation of the key ring. Each rotation is one transaction: insert the new key, retire every
// other active key, delete keys past verifyUntil, write the audit entry. The insert comes first
// so the transaction takes SQLite's write lock with its first statement (no stale snapshot to
// upgrade), and so a lost race fails before anything was written.
//
// Exactly once per interval across processes: a scheduled rotation inserts its key with
// slot = floor(now / KEY_ROTATION_INTERVAL); the slot column is unique, so when several
// processes try the same slot one insert wins and the others get P2002 and do nothing.
// The database decides, not timing.
import 'server-only';
import { formatInfo, type Actor } from '../audit';
import { db } from '../db';
import { env } from '../env';
import { createSigningKey } from './create-signing-key';
import { decryptKeyMaterial } from './key-material';
import { invalidateKeyCache, ringState } from './ring-state';
import { rotationSlot } from './rotation-slot';
import { SYSTEM_ACTOR, type SigningAlgorithm } from './types';

export type RotateKeysInput = {
  actor: Actor;
  /** A scheduled rotation claims the current slot (and loses quietly if it is taken). */
  scheduled?: boolean;
  /** Every older key stops verifying now: all links signed before are refused. */
  emergency?: boolean;
  /** Why the server rotated on its own (audit info). */
  reason?: string;
  now?: Date;
};

export type RotateKeysResult = {
  kid: string;
  algorithm: SigningAlgorithm;
  /** Keys retired by this rotation. */
  retired: number;
  /** Keys deleted because they were past verifyUntil. */
  deleted: number;
};

/** Makes a new signing key and retires the current one. Null when another process already made this slot's key. */
export async function rotateKeys({
  actor,
  scheduled = false,
  emergency = false,
  reason,
  now = new Date(),
}: RotateKeysInput): Promise<RotateKeysResult | null> {
  const config = env();
  const algorithm = config.linkSigningAlg;
  // Key generation is done before the transaction: the SQLite connection is shared by the
  // whole process, so the transaction must hold it only for the few statements below.
  const key = await createSigningKey(algorithm);
  const slot = scheduled ? BigInt(rotationSlot(now, config.keyRotationIntervalMs)) : null;
  // A link signed just before retirement lives at most LINK_MAX_TTL (+ skew) longer.
  const verifyUntil = emergency ? now : new Date(now.getTime() + config.linkMaxTtlMs + config.clockSkewMs);
  try {
    const result = await db().$transaction(
      async (tx) => {
        await tx.signingKey.create({ data: { ...key, createdAt: now, slot } });
        const retired = await tx.signingKey.updateMany({
          where: { retiredAt: null, kid: { not: key.kid } },
          data: { retiredAt: now, verifyUntil },
        });
        if (emergency) {
          await tx.signingKey.updateMany({
            where: { kid: { not: key.kid }, OR: [{ verifyUntil: null }, { verifyUntil: { gt: now } }] },
            data: { verifyUntil: now },
          });
        }
        const deleted = await tx.signingKey.deleteMany({ where: { verifyUntil: { lt: now } } });
        // Written inside the transaction (recordAudit uses the global client): the log says
        // key_rotate exactly when a key was made. Never the material.
        await tx.log.create({
          data: {
            action: 'key_rotate',
            user: actor.user,
            ipAddress: actor.ip,
            info: formatInfo({
              kid: key.kid,
              algorithm,
              scheduled,
              emergency: emergency || undefined,
              reason,
              retired: retired.count,
              deleted: deleted.count,
            }),
          },
        });
        return { retired: retired.count, deleted: deleted.count };
        // Waiting for SQLite's write lock (busy timeout 10 s) must not trip Prisma's defaults
        // (2 s to start, 5 s to finish) when several processes rotate at once.
      },
      { maxWait: 15_000, timeout: 20_000 },
    );
    return { kid: key.kid, algorithm, ...result };
  } catch (error) {
    if (scheduled && isUniqueViolation(error)) return null;
    throw error;
  } finally {
    invalidateKeyCache();
    // The Next process (admin UI, API) tells the front server it runs under, which serves the
    // downloads from its own cache, so an emergency stop there is enforced at once.
    process.send?.({ type: KEY_RING_CHANGED });
  }
}

export const KEY_RING_CHANGED = 'fileserver:key-ring-changed';

/**
 * The emergency stop ("revoke all links"): a new signing key, and every older key stops
 * verifying at once, so every link signed before, tracked or not, is refused. The front server
 * this process runs under sees it at once; other server processes within the key cache's reload
 * interval (5 s by default).
 */
export async function retireAllKeys({ actor, now }: { actor: Actor; now?: Date }): Promise<RotateKeysResult> {
  const result = await rotateKeys({ actor, emergency: true, now });
  if (!result) throw new Error('emergency rotation did not make a key');
  return result;
}

export type ActiveKeyRow = {
  kid: string;
  algorithm: string;
  material: string;
  publicJwk: string | null;
  createdAt: Date;
  slot: bigint | null;
};

/** The key that signs now: the newest one not retired. */
export async function findActiveKey(): Promise<ActiveKeyRow | null> {
  return db().signingKey.findFirst({
    where: { retiredAt: null },
    orderBy: [{ createdAt: 'desc' }, { kid: 'desc' }],
    select: { kid: true, algorithm: true, material: true, publicJwk: true, createdAt: true, slot: true },
  });
}

/**
 * Makes sure a usable signing key of the configured algorithm exists and returns it. The first
 * key claims the current slot, so processes starting together make one key, not several.
 * A key of another algorithm (LINK_SIGNING_ALG changed) or one whose material no longer
 * decrypts (MASTER_SECRET changed) is replaced by an on-demand rotation.
 */
export async function ensureSigningKey(now: Date = new Date()): Promise<ActiveKeyRow> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const active = await findActiveKey();
    const problem = active ? unusableBecause(active) : 'first key';
    if (!problem && active) return active;
    if (problem === 'first key' && attempt === 0) {
      // Null: another process made the key of this slot a moment ago; read it on the next turn.
      await rotateKeys({ actor: SYSTEM_ACTOR, scheduled: true, reason: problem, now });
    } else {
      await rotateKeys({ actor: SYSTEM_ACTOR, reason: problem ?? undefined, now });
    }
  }
  throw new Error('could not make a usable signing key');
}

/**
 * For the scheduler: rotates when the active key was made in an earlier slot than `now`'s.
 * Returns the new key, or null when nothing was due or another process made this slot's key.
 */
export async function rotateIfDue(now: Date = new Date()): Promise<RotateKeysResult | null> {
  const active = await ensureSigningKey(now);
  const intervalMs = env().keyRotationIntervalMs;
  if (rotationSlot(active.createdAt, intervalMs) >= rotationSlot(now, intervalMs)) return null;
  return rotateKeys({ actor: SYSTEM_ACTOR, scheduled: true, now });
}

function unusableBecause(key: ActiveKeyRow): string | null {
  if (key.algorithm !== env().linkSigningAlg) return `algorithm changed to ${env().linkSigningAlg}`;
  if (ringState().signKeys.has(key.kid)) return null;
  try {
    decryptKeyMaterial(key.material, key.kid);
    return null;
  } catch {
    return 'material does not decrypt with MASTER_SECRET';
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2002';
}
