// Key material at rest: AES-256-GCM under a key derived (HKDF-SHA256) from MASTER_SECRET, which
// lives in the environment or in DATA_DIR/secrets, never in the database. A copied database
// alone therefore cannot mint links. The kid is bound in as associated data, so material moved
// to another row does not decrypt.
import 'server-only';
import crypto from 'node:crypto';
import { env } from '../env';

const VERSION = 'v1';
const HKDF_SALT = 'fileserver/signing-key-material';
const HKDF_INFO = 'aes-256-gcm v1';

let derived: { secret: string; key: Buffer } | undefined;

function materialKey(): Buffer {
  const secret = env().masterSecret;
  if (derived?.secret !== secret) {
    derived = { secret, key: Buffer.from(crypto.hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32)) };
  }
  return derived.key;
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function encryptKeyMaterial(plaintext: string, kid: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', materialKey(), iv);
  cipher.setAAD(Buffer.from(`kid:${kid}`, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The plaintext, or throws when the master secret (or the kid) does not match. */
export function decryptKeyMaterial(stored: string, kid: string): string {
  const [version, iv, ciphertext, tag, ...rest] = stored.split('.');
  if (version !== VERSION || !iv || ciphertext === undefined || !tag || rest.length) {
    throw new Error(`signing key ${kid}: unknown material format`);
  }
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', materialKey(), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`kid:${kid}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`signing key ${kid}: the material does not decrypt with this MASTER_SECRET`);
  }
}
