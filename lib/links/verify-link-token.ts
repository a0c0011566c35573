// Verifying a link token: no database read (the key comes from the in-memory ring), no file
// read. Order: shape -> header alg must be the configured one -> key by kid -> signature and
// claims (jose) -> file. Expiry is judged only on a verified token, so a forged token says
// 403 "not valid", never 410.
import 'server-only';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { env } from '../env';
import { isVerifying, lookupKey } from '../keys/get-verification-key';
import { linkExpired, linkInvalid } from './link-errors';

export type VerifiedLink = {
  fileId: string;
  /** The Link id of a tracked link; null for an untracked one. */
  jti: string | null;
  /** The file generation the link was made for (claim `g`); null for a token made before the claim existed. */
  generation: string | null;
  /** Expiry, UTC epoch seconds, as signed. */
  exp: number;
  expiresAt: Date;
  kid: string;
};

/** Longer than any token we make (about 200 characters); anything bigger is not ours. */
const MAX_TOKEN_LENGTH = 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Verifies the token and checks that it names `fileId`. */
export async function verifyLinkToken(token: string, fileId: string, now: Date = new Date()): Promise<VerifiedLink> {
  const link = await verifyLinkSignature(token, now);
  if (link.fileId !== fileId) throw linkInvalid('wrong_file', link.jti);
  return link;
}

/**
 * Verifies signature, key and expiry, whatever file the request names: the caller compares
 * `fileId` (`/by-name/` checks the token before it looks the name up, so a forged token
 * answers the same whether the name exists or not).
 */
export async function verifyLinkSignature(token: string, now: Date = new Date()): Promise<VerifiedLink> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw linkInvalid('malformed');
  }
  const config = env();
  const algorithm = config.linkSigningAlg;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw linkInvalid('malformed');
  }
  // Only the configured algorithm: no `none`, no HS256 token checked against an Ed25519 public
  // key or the reverse. (jwtVerify's `algorithms` below says it again.)
  if (header.alg !== algorithm) throw linkInvalid('wrong_algorithm');
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 64)
    throw linkInvalid('malformed');

  // One key, named by the token; never every key in turn.
  const key = await lookupKey(header.kid);
  if (!key || !key.verifyKey) throw linkInvalid('unknown_key');
  if (key.algorithm !== algorithm) throw linkInvalid('wrong_algorithm');
  if (!isVerifying(key, now)) throw linkInvalid('retired_key');

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key.verifyKey, {
      algorithms: [algorithm],
      clockTolerance: config.clockSkewMs / 1000,
      currentDate: now,
      requiredClaims: ['sub', 'iat', 'exp'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      const { exp, jti } = error.payload;
      throw linkExpired(new Date((exp as number) * 1000), typeof jti === 'string' ? jti : null);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) throw linkInvalid('bad_signature');
    if (error instanceof errors.JOSEAlgNotAllowed) throw linkInvalid('wrong_algorithm');
    throw linkInvalid('malformed');
  }
  const { sub, jti, exp, g } = payload;
  if (
    typeof sub !== 'string' ||
    typeof exp !== 'number' ||
    (jti !== undefined && typeof jti !== 'string') ||
    (g !== undefined && (typeof g !== 'string' || g.length === 0))
  ) {
    throw linkInvalid('malformed');
  }
  return {
    fileId: sub,
    jti: jti ?? null,
    generation: g ?? null,
    exp,
    expiresAt: new Date(exp * 1000),
    kid: key.kid,
  };
}
