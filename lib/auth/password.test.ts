import { performance as nodePerformance } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BCRYPT_COST, DUMMY_HASH, hashPassword, verifyAgainstDummy, verifyPassword } from './password';

// The users of the Flask server's fixture (shared/fixtures/flask/README.md), hashed there by
// Werkzeug 2.2.2's generate_password_hash.
const FLASK_USERS = [
  {
    password: 'alice-password-1',
    hash: 'pbkdf2:sha256:260000$oLhI2TTB4pW4XDtM$ee10b012a8e4e0a82ec8979e3f4474c8b54a47b9e55a4a99400e97d668657920',
  },
  {
    password: 'bob-password-2',
    hash: 'pbkdf2:sha256:260000$fNlrLXCNdvx3qvAk$85838dd0ce35747aecaf0735ff95efe60642d31a46534cd3250ce0da5e89e581',
  },
  {
    password: 'carol-password-3',
    hash: 'pbkdf2:sha256:260000$BrnfL4HnHc3qd4ES$6ac17a48f3239d1ef46158c15c41168cad9b2961746c90d4a0a0b4195994ad0e',
  },
];

describe('hashPassword / verifyPassword with bcrypt', () => {
  it('makes a bcrypt hash of cost 12 or more that verifies the password and nothing else', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$2[aby]\$\d\d\$/);
    expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(12);
    expect(BCRYPT_COST).toBeGreaterThanOrEqual(12);
    expect(await verifyPassword('correct horse battery', hash)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword('correct horse batterY', hash)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('', hash)).toEqual({ ok: false, needsRehash: false });
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password here')).not.toBe(await hashPassword('same password here'));
  });

  it('asks for a rehash of a matching bcrypt hash with a lower cost', async () => {
    const weak = bcrypt.hashSync('an older password', 4);
    expect(await verifyPassword('an older password', weak)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('another password', weak)).toEqual({ ok: false, needsRehash: false });
  });
});

describe('verifyPassword with hashes imported from the Flask server', () => {
  it.each(FLASK_USERS)('accepts the fixture user with $password and asks for a rehash', async ({ password, hash }) => {
    expect(await verifyPassword(password, hash)).toEqual({ ok: true, needsRehash: true });
  });

  it.each(FLASK_USERS)('refuses a wrong password for $password', async ({ password, hash }) => {
    expect(await verifyPassword(`${password}x`, hash)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword(password.toUpperCase(), hash)).toEqual({ ok: false, needsRehash: false });
  });

  it('reads the iteration count from the hash (Werkzeug 1.0: 150000 and an 8-character salt)', async () => {
    // hashlib.pbkdf2_hmac('sha256', b'old-werkzeug-pw', b'AbCd1234', 150000).hex()
    const hash = 'pbkdf2:sha256:150000$AbCd1234$ba2bdf1db097840e94bfb19dce5ae0e7a0bfca584df8165332e2ff1e9d87f711';
    expect(await verifyPassword('old-werkzeug-pw', hash)).toEqual({ ok: true, needsRehash: true });
    expect((await verifyPassword('old-werkzeug-pw', hash.replace(':150000', ':150001'))).ok).toBe(false);
  });

  it("accepts Werkzeug 3's scrypt hashes", async () => {
    // hashlib.scrypt(b'pw', salt=b'abcdefgh12345678', n=32768, r=8, p=1).hex()
    const hash =
      'scrypt:32768:8:1$abcdefgh12345678$bfa175f71243e3f3f170ef7a2d76ce8cf5db395cedc14b0ef4ac9417f1ec6ea4' +
      'f77db332a7eac4bfb982bb3836d7f0d7e537807b53ab42629ca074d4756258e7';
    expect(await verifyPassword('pw', hash)).toEqual({ ok: true, needsRehash: true });
    expect((await verifyPassword('pw2', hash)).ok).toBe(false);
  });

  it('fails, without throwing, on damaged or unknown hashes', async () => {
    const damaged = [
      '',
      'plain-text-password',
      'pbkdf2:sha256:260000$oLhI2TTB4pW4XDtM',
      'pbkdf2:md4:1000$salt$abcd',
      'pbkdf2:sha256:0$salt$abcd',
      'pbkdf2:sha256:abc$salt$abcd',
      'pbkdf2:sha256:260000$salt$not-hex',
      'scrypt:3:8:1$salt$abcd',
      '$2b$12$tooshort',
      'md5$salt$abcd',
    ];
    for (const hash of damaged) {
      expect(await verifyPassword('plain-text-password', hash), hash).toEqual({ ok: false, needsRehash: false });
    }
  });
});

describe('verifyAgainstDummy', () => {
  it('always fails, and costs one bcrypt check of the same cost as a real hash', async () => {
    expect(await verifyAgainstDummy('anything at all')).toBe(false);
    expect(await verifyAgainstDummy('')).toBe(false);
    expect(bcrypt.getRounds(DUMMY_HASH)).toBe(BCRYPT_COST);
  });

  it('takes about as long as checking a wrong password of a real user', async () => {
    const real = await hashPassword('a real users password');
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      await fn();
      return performance.now() - start;
    };
    // Best of three each, to ignore a busy moment on a shared machine.
    const best = async (fn: () => Promise<unknown>) => Math.min(await time(fn), await time(fn), await time(fn));
    const dummy = await best(() => verifyAgainstDummy('a guess'));
    const wrong = await best(() => verifyPassword('a guess', real));
    expect(dummy / wrong).toBeGreaterThan(0.5);
    expect(dummy / wrong).toBeLessThan(2);
  });
});

describe('where bcrypt runs', () => {
  it('hashes and checks off the event loop, which stays idle while a burst of sign-ins is checked', async () => {
    const hash = await hashPassword('warm the workers up');
    const before = nodePerformance.eventLoopUtilization();
    await Promise.all([
      hashPassword('a burst of sign-ins'),
      verifyPassword('guess 1', hash),
      verifyPassword('guess 2', hash),
      verifyAgainstDummy('guess 3'),
    ]);
    const { utilization } = nodePerformance.eventLoopUtilization(before);
    // In-thread bcryptjs keeps the loop busy about all of the time (utilization near 1).
    expect(utilization).toBeLessThan(0.3);
  });
});
