import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db';
import { resetEnvForTests } from '../env';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { decryptKeyMaterial, encryptKeyMaterial } from './key-material';
import { resetKeyCacheForTests } from './ring-state';
import { getSigningKey } from './get-signing-key';
import { ensureSigningKey } from './rotate-keys';

describe('key material at rest', () => {
  let temp: TempEnv;
  beforeAll(async () => {
    temp = await createTempEnv({ MASTER_SECRET: 'm'.repeat(40) });
    resetKeyCacheForTests();
  });
  afterAll(() => temp.cleanup());

  it('round-trips, and is bound to its kid', () => {
    const stored = encryptKeyMaterial('{"kty":"oct","k":"secret"}', 'kid-one');
    expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain('secret');
    expect(decryptKeyMaterial(stored, 'kid-one')).toBe('{"kty":"oct","k":"secret"}');
    expect(() => decryptKeyMaterial(stored, 'kid-two')).toThrow(/does not decrypt/);
    expect(encryptKeyMaterial('same', 'k')).not.toBe(encryptKeyMaterial('same', 'k'));
  });

  it('the database holds no usable secret: a copy without MASTER_SECRET cannot read it', async () => {
    const key = await ensureSigningKey();
    const row = await db().signingKey.findUniqueOrThrow({ where: { kid: key.kid } });
    const jwk = JSON.parse(decryptKeyMaterial(row.material, row.kid)) as { k: string };
    expect(jwk.k).toMatch(/^[\w-]{43}$/);
    // Neither the secret nor its base64 forms appear anywhere in the row.
    const rowText = JSON.stringify(row, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    expect(rowText).not.toContain(jwk.k);
    expect(rowText).not.toContain(Buffer.from(jwk.k, 'base64url').toString('base64'));
    // Another installation's master secret (an attacker with the copied file) gets nothing.
    process.env.MASTER_SECRET = 'x'.repeat(40);
    resetEnvForTests();
    expect(() => decryptKeyMaterial(row.material, row.kid)).toThrow(/does not decrypt/);
    // A server started with a different MASTER_SECRET cannot use the old key: it makes a new one.
    resetKeyCacheForTests();
    const replaced = await getSigningKey();
    expect(replaced.kid).not.toBe(key.kid);
    const entry = await db().log.findFirstOrThrow({ where: { action: 'key_rotate' }, orderBy: { id: 'desc' } });
    expect(entry.info).toContain('reason: material does not decrypt with MASTER_SECRET');
  });
});
