import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { getSigningKey } from './get-signing-key';
import { getVerificationKey } from './get-verification-key';
import { listKeys, publicJwks } from './list-keys';
import { configureKeyCache, keyCacheStats, resetKeyCacheForTests } from './ring-state';
import { ensureSigningKey, retireAllKeys, rotateIfDue, rotateKeys } from './rotate-keys';
import { rotationSlot } from './rotation-slot';

const HOUR = 3_600_000;

describe('the key ring (HS256)', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ KEY_ROTATION_INTERVAL: '1h', LINK_MAX_TTL: '7d', CLOCK_SKEW: '30s' });
  });
  afterAll(() => temp.cleanup());
  beforeEach(async () => {
    await db().signingKey.deleteMany();
    resetKeyCacheForTests();
  });

  it('makes the first key once, however many callers ask at the same time', async () => {
    const keys = await Promise.all(Array.from({ length: 10 }, () => ensureSigningKey()));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect(await db().signingKey.count()).toBe(1);
    const [row] = await db().signingKey.findMany();
    expect(row).toMatchObject({ algorithm: 'HS256', publicJwk: null, retiredAt: null, verifyUntil: null });
    expect(row.kid).toMatch(/^[\w-]{12}$/);
  });

  it('rotation retires the signing key (verifyUntil = now + LINK_MAX_TTL + skew), audits without material', async () => {
    const first = await ensureSigningKey();
    const now = new Date();
    const rotated = await rotateKeys({ actor: { user: 'alice', ip: '10.0.0.1' }, now });
    expect(rotated).toMatchObject({ algorithm: 'HS256', retired: 1, deleted: 0 });
    const old = await db().signingKey.findUniqueOrThrow({ where: { kid: first.kid } });
    expect(old.retiredAt).toEqual(now);
    expect(old.verifyUntil).toEqual(new Date(now.getTime() + 7 * 24 * HOUR + 30_000));
    expect((await getSigningKey()).kid).toBe(rotated?.kid);
    const entry = await db().log.findFirstOrThrow({ where: { action: 'key_rotate', user: 'alice' } });
    expect(entry).toMatchObject({
      ipAddress: '10.0.0.1',
      info: `kid: ${rotated?.kid}, algorithm: HS256, scheduled: false, retired: 1, deleted: 0`,
    });
    const material = (await db().signingKey.findMany()).map((key) => key.material);
    for (const text of material) expect(entry.info).not.toContain(text);
  });

  it('deletes keys past verifyUntil at the next rotation', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const first = await ensureSigningKey(start);
    await rotateKeys({ actor: CLI_ACTOR, now: new Date(start.getTime() + HOUR) });
    // Past the first key's verifyUntil (7 d + 30 s after its retirement):
    const later = new Date(start.getTime() + HOUR + 7 * 24 * HOUR + 31_000);
    const rotated = await rotateKeys({ actor: CLI_ACTOR, now: later });
    expect(rotated).toMatchObject({ retired: 1, deleted: 1 });
    expect(await db().signingKey.findUnique({ where: { kid: first.kid } })).toBeNull();
    expect(await db().signingKey.count()).toBe(2);
  });

  it('rotateIfDue rotates once per interval slot, and two concurrent calls make exactly one key', async () => {
    const start = new Date('2026-02-01T10:15:00Z');
    await ensureSigningKey(start);
    expect(await rotateIfDue(new Date('2026-02-01T10:59:59Z'))).toBeNull();
    const boundary = new Date('2026-02-01T11:00:01Z');
    const results = await Promise.all([rotateIfDue(boundary), rotateIfDue(boundary)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const keys = await db().signingKey.findMany({ orderBy: { createdAt: 'asc' } });
    expect(keys).toHaveLength(2);
    expect(keys[1].slot).toBe(BigInt(rotationSlot(boundary)));
    expect(keys.filter((key) => key.retiredAt === null)).toHaveLength(1);
    expect(await rotateIfDue(new Date('2026-02-01T11:30:00Z'))).toBeNull();
    expect(await db().log.count({ where: { action: 'key_rotate', info: { contains: `kid: ${keys[1].kid}` } } })).toBe(
      1,
    );
  });

  it('an on-demand rotation does not shift the schedule: the next rotation is at the next slot boundary', async () => {
    await ensureSigningKey(new Date('2026-02-02T10:00:00Z'));
    await rotateKeys({ actor: CLI_ACTOR, now: new Date('2026-02-02T10:40:00Z') });
    const status = await listKeys(new Date('2026-02-02T10:41:00Z'));
    expect(status.nextRotationAt).toEqual(new Date('2026-02-02T11:00:00Z'));
    expect(status.keys.map((key) => [key.active, key.verifying, key.scheduled])).toEqual([
      [true, true, false],
      [false, true, true],
    ]);
    // Never material in what the UI and API get.
    for (const key of status.keys)
      expect(Object.keys(key).sort()).toEqual([
        'active',
        'algorithm',
        'createdAt',
        'kid',
        'retiredAt',
        'scheduled',
        'verifyUntil',
        'verifying',
      ]);
    expect(await rotateIfDue(new Date('2026-02-02T11:00:00Z'))).not.toBeNull();
  });

  it('retireAllKeys: one new key, every older key stops verifying now, audited as an emergency', async () => {
    const a = await ensureSigningKey();
    await rotateKeys({ actor: CLI_ACTOR });
    const b = await getSigningKey();
    const now = new Date();
    const result = await retireAllKeys({ actor: CLI_ACTOR, now });
    for (const kid of [a.kid, b.kid]) {
      expect((await db().signingKey.findUniqueOrThrow({ where: { kid } })).verifyUntil).toEqual(now);
      expect(await getVerificationKey(kid, new Date(now.getTime() + 1))).toBeNull();
    }
    expect(await getVerificationKey(result.kid)).not.toBeNull();
    const entry = await db().log.findFirstOrThrow({ where: { action: 'key_rotate' }, orderBy: { id: 'desc' } });
    expect(entry.info).toContain('emergency: true');
    const status = await listKeys(new Date(now.getTime() + 1));
    expect(status.keys.filter((key) => key.verifying).map((key) => key.kid)).toEqual([result.kid]);
  });

  it('answers verification from memory: no database read per token, one per reload interval', async () => {
    configureKeyCache({ reloadIntervalMs: 60_000, missReloadIntervalMs: 60_000 });
    const { kid } = await ensureSigningKey();
    await getVerificationKey(kid);
    const reads = keyCacheStats().reads;
    for (let i = 0; i < 1000; i += 1) expect(await getVerificationKey(kid)).not.toBeNull();
    expect(keyCacheStats().reads).toBe(reads);
  });

  it('unknown kids re-read the ring at most once per missReloadIntervalMs', async () => {
    configureKeyCache({ reloadIntervalMs: 60_000, missReloadIntervalMs: 60_000 });
    const { kid } = await ensureSigningKey();
    await getVerificationKey(kid);
    const reads = keyCacheStats().reads;
    for (let i = 0; i < 200; i += 1) expect(await getVerificationKey(`garbage${i}`)).toBeNull();
    expect(keyCacheStats().reads - reads).toBeLessThanOrEqual(1);
  });

  it('a key made after the last read is found at once through the miss reload', async () => {
    configureKeyCache({ reloadIntervalMs: 60_000, missReloadIntervalMs: 0 });
    await getVerificationKey((await ensureSigningKey()).kid);
    // Inserted behind the cache's back, like another process would.
    const { createSigningKey } = await import('./create-signing-key');
    const other = await createSigningKey('HS256');
    await db().signingKey.create({ data: other });
    expect(await getVerificationKey(other.kid)).not.toBeNull();
  });
});

describe('the key ring (EdDSA)', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ LINK_SIGNING_ALG: 'EdDSA' });
    resetKeyCacheForTests();
  });
  afterAll(() => temp.cleanup());

  it('kid is the JWK thumbprint of the public key; the JWKS lists public keys of verifying keys only', async () => {
    const first = await ensureSigningKey();
    await rotateKeys({ actor: CLI_ACTOR });
    const jwks = await publicJwks();
    expect(jwks.keys).toHaveLength(2);
    for (const jwk of jwks.keys) {
      expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      const { kty, crv, x } = jwk;
      expect(jwk.kid).toBe((await calculateJwkThumbprint({ kty, crv, x })).slice(0, 12));
    }
    expect(jwks.keys.map((jwk) => jwk.kid)).toContain(first.kid);
    await retireAllKeys({ actor: CLI_ACTOR });
    expect((await publicJwks(new Date(Date.now() + 1))).keys).toHaveLength(1);
  });
});

describe('the JWKS with HS256', () => {
  it('is empty: there is nothing public to publish', async () => {
    const temp = await createTempEnv({ LINK_SIGNING_ALG: 'HS256' });
    try {
      resetKeyCacheForTests();
      await ensureSigningKey();
      expect(await publicJwks()).toEqual({ keys: [] });
    } finally {
      await temp.cleanup();
    }
  });
});
