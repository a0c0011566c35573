import crypto from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../audit';
import { db } from '../db';
import { retireAllKeys, rotateKeys } from '../keys/rotate-keys';
import { getSigningKey } from '../keys/get-signing-key';
import { resetKeyCacheForTests } from '../keys/ring-state';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { createLink } from './create-link';
import { addFile, b64, refusal } from './test-helpers';
import { verifyLinkToken } from './verify-link-token';

/** A whole second, so exp lands exactly ttl after it. */
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);

for (const alg of ['HS256', 'EdDSA'] as const) {
  describe(`link tokens with LINK_SIGNING_ALG=${alg}`, () => {
    let temp: TempEnv;
    beforeAll(async () => {
      temp = await createTempEnv({ LINK_SIGNING_ALG: alg, CLOCK_SKEW: '30s', LINK_MAX_TTL: '7d' });
      resetKeyCacheForTests();
      await addFile('aaaaaaaa');
      await addFile('bbbbbbbb');
    });
    afterAll(() => temp.cleanup());

    it('round trip: a fresh link verifies for its file, with the header and claims of the contract', async () => {
      const link = await createLink({ fileId: 'aaaaaaaa', ttlMs: 3_600_000, actor: CLI_ACTOR, now: T0 });
      const verified = await verifyLinkToken(link.token, 'aaaaaaaa', T0);
      expect(verified).toMatchObject({ fileId: 'aaaaaaaa', jti: link.id, exp: T0.getTime() / 1000 + 3600 });
      const [header, payload] = link.token
        .split('.')
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
      expect(header).toEqual({ alg, kid: (await getSigningKey()).kid });
      expect(payload).toEqual({
        sub: 'aaaaaaaa',
        jti: link.id,
        iat: T0.getTime() / 1000,
        exp: T0.getTime() / 1000 + 3600,
      });
    });

    it('an untracked link carries no jti and verifies without it', async () => {
      const link = await createLink({ fileId: 'aaaaaaaa', tracked: false, actor: CLI_ACTOR, now: T0 });
      expect(link.id).toBeNull();
      expect(await verifyLinkToken(link.token, 'aaaaaaaa', T0)).toMatchObject({ jti: null });
    });

    it('refuses a tampered signature (403)', async () => {
      const { token } = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR, now: T0 });
      const [h, p, s] = token.split('.');
      // A middle character: the last one may only carry padding bits.
      const i = 10;
      const tampered = `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
      expect(await refusal(verifyLinkToken(tampered, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        status: 403,
        reason: 'bad_signature',
      });
    });

    it('refuses a tampered payload carrying the old signature (403)', async () => {
      const { token } = await createLink({ fileId: 'aaaaaaaa', ttlMs: 60_000, actor: CLI_ACTOR, now: T0 });
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const longer = b64({ ...claims, exp: (claims.exp as number) + 365 * 86400 });
      expect(await refusal(verifyLinkToken(`${h}.${longer}.${s}`, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'bad_signature',
      });
      // The same trick to point the link at another file.
      const other = b64({ ...claims, sub: 'bbbbbbbb' });
      expect(await refusal(verifyLinkToken(`${h}.${other}.${s}`, 'bbbbbbbb', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'bad_signature',
      });
    });

    it('refuses alg "none", with or without a signature part (403)', async () => {
      const { kid } = await getSigningKey();
      const header = b64({ alg: 'none', kid });
      const payload = b64({ sub: 'aaaaaaaa', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 600 });
      expect(await refusal(verifyLinkToken(`${header}.${payload}.`, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'malformed',
      });
      expect(await refusal(verifyLinkToken(`${header}.${payload}.AAAA`, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'wrong_algorithm',
      });
    });

    it('refuses a token signed with the other algorithm under the real kid (403)', async () => {
      const { kid } = await getSigningKey();
      const claims = { sub: 'aaaaaaaa', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 600 };
      let forged: string;
      if (alg === 'EdDSA') {
        // The classic confusion: HMAC keyed with the public key, which anyone can fetch from the JWKS.
        const row = await db().signingKey.findUniqueOrThrow({ where: { kid } });
        const publicKey = Buffer.from((JSON.parse(row.publicJwk as string) as { x: string }).x, 'base64url');
        forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(publicKey);
        const withJwkText = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', kid })
          .sign(Buffer.from(row.publicJwk as string));
        expect(await refusal(verifyLinkToken(withJwkText, 'aaaaaaaa', T0))).toMatchObject({
          code: 'link_invalid',
          reason: 'wrong_algorithm',
        });
      } else {
        const { privateKey } = await generateKeyPair('Ed25519');
        forged = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).sign(privateKey);
      }
      expect(await refusal(verifyLinkToken(forged, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        status: 403,
        reason: 'wrong_algorithm',
      });
    });

    it("refuses an unknown kid (403) without trying the ring's keys", async () => {
      const claims = { sub: 'aaaaaaaa', iat: T0.getTime() / 1000, exp: T0.getTime() / 1000 + 600 };
      const key = alg === 'HS256' ? crypto.randomBytes(32) : (await generateKeyPair('Ed25519')).privateKey;
      const token = await new SignJWT(claims).setProtectedHeader({ alg, kid: 'nosuchkey000' }).sign(key);
      expect(await refusal(verifyLinkToken(token, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'unknown_key',
      });
      const noKid = await new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
      expect(await refusal(verifyLinkToken(noKid, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'malformed',
      });
    });

    it('expiry: one second past the leeway is 410 with the UTC time; inside the leeway still works', async () => {
      const link = await createLink({ fileId: 'aaaaaaaa', ttlMs: 60_000, actor: CLI_ACTOR, now: T0 });
      const exp = T0.getTime() + 60_000;
      // CLOCK_SKEW 30s: at exp + 29 s the link still works (a verifier clock a little ahead).
      await expect(verifyLinkToken(link.token, 'aaaaaaaa', new Date(exp + 29_000))).resolves.toMatchObject({
        fileId: 'aaaaaaaa',
      });
      const late = await refusal(verifyLinkToken(link.token, 'aaaaaaaa', new Date(exp + 31_000)));
      expect(late).toMatchObject({ code: 'link_expired', status: 410, reason: 'expired' });
      expect(late.message).toBe(`This link expired at ${new Date(exp).toISOString().replace('.000Z', 'Z')}.`);
    });

    it('carries the file generation as g (a file uploaded today), none for a legacy file', async () => {
      await db().file.create({
        data: { id: 'gggggggg', name: 'g.bin', size: 1n, type: 'application/octet-stream', generation: 'Xy_9' },
      });
      const link = await createLink({ fileId: 'gggggggg', ttlMs: 3_600_000, actor: CLI_ACTOR, now: T0 });
      expect(JSON.parse(Buffer.from(link.token.split('.')[1], 'base64url').toString()).g).toBe('Xy_9');
      expect((await verifyLinkToken(link.token, 'gggggggg', T0)).generation).toBe('Xy_9');
      const legacy = await createLink({ fileId: 'aaaaaaaa', ttlMs: 3_600_000, actor: CLI_ACTOR, now: T0 });
      expect((await verifyLinkToken(legacy.token, 'aaaaaaaa', T0)).generation).toBeNull();
    });

    it('refuses a signed token whose g is not a non-empty string (403 malformed)', async () => {
      const signing = await getSigningKey(T0);
      const iat = Math.floor(T0.getTime() / 1000);
      for (const g of [7, '', null]) {
        const token = await new SignJWT({ sub: 'aaaaaaaa', g })
          .setProtectedHeader({ alg: signing.algorithm, kid: signing.kid })
          .setIssuedAt(iat)
          .setExpirationTime(iat + 600)
          .sign(signing.key);
        expect(await refusal(verifyLinkToken(token, 'aaaaaaaa', T0))).toMatchObject({
          status: 403,
          reason: 'malformed',
        });
      }
    });

    it('refuses a link for another file (403)', async () => {
      const { token } = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR, now: T0 });
      expect(await refusal(verifyLinkToken(token, 'bbbbbbbb', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'wrong_file',
      });
    });

    it('refuses garbage (403 malformed)', async () => {
      for (const token of [
        '',
        'abc',
        'a.b',
        'a.b.c.d',
        '!!.??.**',
        `${'a'.repeat(2000)}.b.c`,
        'eyJhbGciOiJIUzI1NiJ9.e30.',
      ]) {
        expect(await refusal(verifyLinkToken(token, 'aaaaaaaa', T0))).toMatchObject({
          code: 'link_invalid',
          reason: 'malformed',
        });
      }
      const notJson = `${Buffer.from('not json').toString('base64url')}.e30.AAAA`;
      expect(await refusal(verifyLinkToken(notJson, 'aaaaaaaa', T0))).toMatchObject({
        code: 'link_invalid',
        reason: 'malformed',
      });
    });

    it('after a rotation, links made before and after both verify', async () => {
      const before = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
      const rotated = await rotateKeys({ actor: CLI_ACTOR });
      const after = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
      expect(JSON.parse(Buffer.from(after.token.split('.')[0], 'base64url').toString()).kid).toBe(rotated?.kid);
      await expect(verifyLinkToken(before.token, 'aaaaaaaa')).resolves.toMatchObject({ jti: before.id });
      await expect(verifyLinkToken(after.token, 'aaaaaaaa')).resolves.toMatchObject({ jti: after.id });
    });

    it('a retired key stops verifying once past verifyUntil (403)', async () => {
      const link = await createLink({ fileId: 'aaaaaaaa', ttlMs: 3_600_000, actor: CLI_ACTOR });
      const { kid } = await getSigningKey();
      await rotateKeys({ actor: CLI_ACTOR });
      // Still verifying (retired, verifyUntil = now + LINK_MAX_TTL + skew) ...
      await expect(verifyLinkToken(link.token, 'aaaaaaaa')).resolves.toBeTruthy();
      // ... until verifyUntil has passed. (Moved into the past by hand: 7 days are long.)
      await db().signingKey.update({ where: { kid }, data: { verifyUntil: new Date(Date.now() - 1000) } });
      resetKeyCacheForTests();
      expect(await refusal(verifyLinkToken(link.token, 'aaaaaaaa'))).toMatchObject({
        code: 'link_invalid',
        reason: 'retired_key',
      });
    });

    it('emergency retirement refuses every link made before it, tracked or not', async () => {
      const tracked = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
      const untracked = await createLink({ fileId: 'aaaaaaaa', tracked: false, actor: CLI_ACTOR });
      await retireAllKeys({ actor: CLI_ACTOR });
      expect(await refusal(verifyLinkToken(tracked.token, 'aaaaaaaa'))).toMatchObject({
        code: 'link_invalid',
        reason: 'retired_key',
      });
      expect(await refusal(verifyLinkToken(untracked.token, 'aaaaaaaa'))).toMatchObject({
        code: 'link_invalid',
        reason: 'retired_key',
      });
      const fresh = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
      await expect(verifyLinkToken(fresh.token, 'aaaaaaaa')).resolves.toMatchObject({ jti: fresh.id });
    });
  });
}

describe('switching LINK_SIGNING_ALG', () => {
  it('replaces the signing key with one of the new algorithm; links of the old one are refused', async () => {
    const temp = await createTempEnv({ LINK_SIGNING_ALG: 'HS256' });
    try {
      resetKeyCacheForTests();
      await addFile('aaaaaaaa');
      const old = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
      process.env.LINK_SIGNING_ALG = 'EdDSA';
      const { resetEnvForTests } = await import('../env');
      resetEnvForTests();
      const fresh = await createLink({ fileId: 'aaaaaaaa', actor: CLI_ACTOR });
      expect(JSON.parse(Buffer.from(fresh.token.split('.')[0], 'base64url').toString()).alg).toBe('EdDSA');
      await expect(verifyLinkToken(fresh.token, 'aaaaaaaa')).resolves.toBeTruthy();
      expect(await refusal(verifyLinkToken(old.token, 'aaaaaaaa'))).toMatchObject({
        code: 'link_invalid',
        reason: 'wrong_algorithm',
      });
      const audit = await db().log.findMany({ where: { action: 'key_rotate' }, orderBy: { id: 'asc' } });
      expect(audit.at(-1)?.info).toContain('reason: algorithm changed to EdDSA');
    } finally {
      await temp.cleanup();
    }
  });
});
