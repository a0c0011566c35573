import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '../env';
import { decodeSessionToken, encodeSessionToken, sessionTokenFromCookieHeader } from './session';

const OLD = 'o'.repeat(40);
const NEW = 'n'.repeat(40);
const saved = { AUTH_SECRET: process.env.AUTH_SECRET, MASTER_SECRET: process.env.MASTER_SECRET };

function useSecrets(authSecret: string) {
  process.env.AUTH_SECRET = authSecret;
  process.env.MASTER_SECRET = 'm'.repeat(40);
  resetEnvForTests();
}

afterEach(() => {
  Object.assign(process.env, saved);
  resetEnvForTests();
});

describe('session secret rotation', () => {
  it('keeps sessions made with the old secret valid while it is still listed, and signs new ones with the first', async () => {
    useSecrets(OLD);
    const oldSession = await encodeSessionToken({ token: { sub: 'user-1', name: 'alice' } });

    useSecrets(`${NEW},${OLD}`);
    expect((await decodeSessionToken(oldSession))?.sub).toBe('user-1');
    const newSession = await encodeSessionToken({ token: { sub: 'user-2' } });

    useSecrets(NEW);
    expect(await decodeSessionToken(oldSession)).toBeNull();
    expect((await decodeSessionToken(newSession))?.sub).toBe('user-2');
  });

  it('refuses a tampered or foreign token', async () => {
    useSecrets(NEW);
    const session = await encodeSessionToken({ token: { sub: 'user-1' } });
    expect(await decodeSessionToken(session.slice(0, -4) + 'AAAA')).toBeNull();
    expect(await decodeSessionToken('not-a-token')).toBeNull();
  });

  it('finds the session cookie under either name', () => {
    expect(sessionTokenFromCookieHeader('a=1; next-auth.session-token=abc; b=2')).toBe('abc');
    expect(sessionTokenFromCookieHeader('__Secure-next-auth.session-token=sec; next-auth.session-token=plain')).toBe(
      'sec',
    );
    expect(sessionTokenFromCookieHeader('other=1')).toBeUndefined();
  });
});
