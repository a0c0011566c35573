// Turns stored key rows into CryptoKeys once, so the hot path never parses a JWK or imports a
// key: jose receives a ready CryptoKey (HMAC/SHA-256 or Ed25519) and only verifies.
import 'server-only';
import { importJWK, type JWK } from 'jose';
import { decryptKeyMaterial } from './key-material';
import type { SigningAlgorithm } from './types';

type KeyRow = { kid: string; algorithm: string; material: string; publicJwk: string | null };

/** The key that verifies: the HMAC secret, or the Ed25519 public key (no decryption needed). */
export async function importVerificationKey(row: KeyRow): Promise<CryptoKey> {
  switch (row.algorithm as SigningAlgorithm) {
    case 'HS256':
      return importHmacKey(row);
    case 'EdDSA':
      if (!row.publicJwk) throw new Error(`signing key ${row.kid}: the public key is missing`);
      return (await importJWK(JSON.parse(row.publicJwk) as JWK, 'EdDSA')) as CryptoKey;
    default:
      throw new Error(`signing key ${row.kid}: unknown algorithm ${row.algorithm}`);
  }
}

/** The key that signs: the HMAC secret, or the Ed25519 private key. */
export async function importSigningKey(row: KeyRow): Promise<CryptoKey> {
  switch (row.algorithm as SigningAlgorithm) {
    case 'HS256':
      return importHmacKey(row);
    case 'EdDSA': {
      const jwk = JSON.parse(decryptKeyMaterial(row.material, row.kid)) as JWK;
      return (await importJWK(jwk, 'EdDSA')) as CryptoKey;
    }
    default:
      throw new Error(`signing key ${row.kid}: unknown algorithm ${row.algorithm}`);
  }
}

async function importHmacKey(row: KeyRow): Promise<CryptoKey> {
  const jwk = JSON.parse(decryptKeyMaterial(row.material, row.kid)) as { k?: string };
  if (typeof jwk.k !== 'string') throw new Error(`signing key ${row.kid}: the secret is missing`);
  const secret = Buffer.from(jwk.k, 'base64url');
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}
