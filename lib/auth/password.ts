// Password hashing. New hashes are bcrypt (cost BCRYPT_COST). Accounts imported from the
// Flask server keep their Werkzeug hash (`pbkdf2:sha256:<iterations>$<salt>$<hex>`, or
// `scrypt:<n>:<r>:<p>$<salt>$<hex>` from Werkzeug 3) until their first successful sign-in,
// when the caller rehashes them because `needsRehash` says so. bcrypt runs in worker threads
// (lib/auth/bcrypt-pool.ts), never on the thread that answers requests.
import 'server-only';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { bcryptCompare, bcryptHash } from './bcrypt-pool';

export const BCRYPT_COST = 12;

/**
 * A bcrypt hash (cost 12) of 32 random bytes nobody kept. Checking a password against it
 * costs what checking a real user's password costs, so a sign-in for an unknown username
 * takes the same time as one with a wrong password.
 */
export const DUMMY_HASH = '$2b$12$13Lr2CEEdh3SdNiu8lfDmOMH1RltrIdiZ0g2b7hN2lFiNMFuhHQGC';

export type PasswordCheck = {
  ok: boolean;
  /** True when the password matched but the stored hash is weaker than a fresh one. */
  needsRehash: boolean;
};

const pbkdf2 = promisify(crypto.pbkdf2);
const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

// Werkzeug 2.2's default when a pbkdf2 hash names no iteration count.
const WERKZEUG_DEFAULT_ITERATIONS = 260_000;
// A stored hash is trusted data, but a damaged one should fail, not hang the server.
const MAX_PBKDF2_ITERATIONS = 10_000_000;
const PBKDF2_DIGESTS = new Set(['sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

export async function hashPassword(password: string): Promise<string> {
  return bcryptHash(password, BCRYPT_COST);
}

export async function verifyPassword(password: string, storedHash: string): Promise<PasswordCheck> {
  if (/^\$2[aby]\$\d{2}\$/.test(storedHash)) {
    const ok = await bcryptCompare(password, storedHash).catch(() => false);
    return { ok, needsRehash: ok && bcrypt.getRounds(storedHash) < BCRYPT_COST };
  }
  if (storedHash.startsWith('pbkdf2:') || storedHash.startsWith('scrypt:')) {
    const ok = await verifyWerkzeugHash(password, storedHash);
    return { ok, needsRehash: ok };
  }
  // Unknown format: never matches, and costs the same as a real check.
  await verifyAgainstDummy(password);
  return { ok: false, needsRehash: false };
}

/** Spends the time of one bcrypt check and always fails: for usernames that do not exist. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await bcryptCompare(password, DUMMY_HASH);
  return false;
}

async function verifyWerkzeugHash(password: string, storedHash: string): Promise<boolean> {
  const parts = storedHash.split('$');
  if (parts.length !== 3) return false;
  const [method, salt, hex] = parts;
  if (!salt || !/^[0-9a-f]+$/i.test(hex) || hex.length % 2 !== 0) return false;
  const expected = Buffer.from(hex, 'hex');
  const actual = await deriveWerkzeugKey(method, password, salt, expected.length);
  if (!actual || actual.length !== expected.length) return false;
  return crypto.timingSafeEqual(actual, expected);
}

// Werkzeug hashes the password and the salt as UTF-8 text (the salt is ASCII).
async function deriveWerkzeugKey(
  method: string,
  password: string,
  salt: string,
  length: number,
): Promise<Buffer | null> {
  const [kind, ...args] = method.split(':');
  try {
    if (kind === 'pbkdf2') {
      if (args.length < 1 || args.length > 2) return null;
      const digest = args[0].toLowerCase();
      const iterations = args[1] ? Number(args[1]) : WERKZEUG_DEFAULT_ITERATIONS;
      if (!PBKDF2_DIGESTS.has(digest)) return null;
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return null;
      return await pbkdf2(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), iterations, length, digest);
    }
    if (kind === 'scrypt') {
      const [n, r, p] = (args.length ? args : ['32768', '8', '1']).map(Number);
      if (![n, r, p].every((x) => Number.isInteger(x) && x > 0)) return null;
      // Werkzeug passes maxmem = 132 * n * r * p; Node needs the same headroom.
      return await scrypt(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), length, {
        N: n,
        r,
        p,
        maxmem: 132 * n * r * p + 1024 * 1024,
      });
    }
  } catch {
    // Bad parameters in a damaged hash (e.g. n not a power of two): a failed check.
    return null;
  }
  return null;
}
