// A new signing key, ready to insert (not yet saved). The kid is a fingerprint:
// - EdDSA: the RFC 7638 JWK thumbprint (SHA-256) of the public key, cut to KID_LENGTH
//   characters; anyone holding the JWKS can recompute it.
// - HS256: SHA-256 over a fixed label and the secret, cut the same way. A thumbprint of the
//   secret JWK would do as well, but a labelled hash makes plain that the kid is derived one
//   way from the secret and is useless for anything but naming it (72 of 256 bits of a hash
//   of 256 random bits).
import 'server-only';
import crypto from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { encryptKeyMaterial } from './key-material';
import { KID_LENGTH, type SigningAlgorithm } from './types';

export type NewSigningKey = {
  kid: string;
  algorithm: SigningAlgorithm;
  /** Encrypted JSON of the secret or private JWK. */
  material: string;
  /** JSON of the public JWK (EdDSA only). */
  publicJwk: string | null;
};

export async function createSigningKey(algorithm: SigningAlgorithm): Promise<NewSigningKey> {
  switch (algorithm) {
    case 'HS256': {
      const secret = crypto.randomBytes(32);
      const kid = hs256Kid(secret);
      const jwk = { kty: 'oct', k: secret.toString('base64url') };
      return { kid, algorithm, material: encryptKeyMaterial(JSON.stringify(jwk), kid), publicJwk: null };
    }
    case 'EdDSA': {
      const { privateKey, publicKey } = await generateKeyPair('Ed25519', { extractable: true });
      const privateJwk = await exportJWK(privateKey);
      const publicJwk = await exportJWK(publicKey);
      const kid = (await calculateJwkThumbprint(publicJwk, 'sha256')).slice(0, KID_LENGTH);
      return {
        kid,
        algorithm,
        material: encryptKeyMaterial(JSON.stringify(privateJwk), kid),
        publicJwk: JSON.stringify({
          kty: publicJwk.kty,
          crv: publicJwk.crv,
          x: publicJwk.x,
          kid,
          alg: 'EdDSA',
          use: 'sig',
        }),
      };
    }
  }
}

export function hs256Kid(secret: Uint8Array): string {
  return crypto
    .createHash('sha256')
    .update('fileserver hs256 kid\0')
    .update(secret)
    .digest('base64url')
    .slice(0, KID_LENGTH);
}
