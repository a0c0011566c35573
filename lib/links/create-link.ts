// Making a share link: a compact JWS (header alg + kid; payload sub, g (the file's
// generation), iat, exp and, when tracked, jti) in an absolute URL. A tracked link also gets a Link row whose id is the jti:
// it carries the download limit and revocation. Untracked links touch no table when used.
import 'server-only';
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { recordAudit, type Actor } from '../audit';
import { db } from '../db';
import { env } from '../env';
import { formatDuration } from '../env/units';
import { AppError } from '../errors';
import { LEGACY_FILE_GENERATION } from '../files/file-generation';
import { getSigningKey } from '../keys/get-signing-key';
import { linkUrl } from './link-url';
import { MAX_DOWNLOADS_LIMIT } from './schemas';

export type CreateLinkInput = {
  fileId: string;
  /** Lifetime; LINK_DEFAULT_TTL when absent, at most LINK_MAX_TTL. */
  ttlMs?: number;
  /** 1: one-time link; n: limited; null or absent: unlimited within the TTL. */
  maxDownloads?: number | null;
  /** Default true. Untracked links cannot be revoked on their own and cannot be limited. */
  tracked?: boolean;
  actor: Actor;
  /** The signed-in user who made it (Link.createdById). */
  userId?: string | null;
  now?: Date;
};

export type CreatedLink = {
  /** The jti (Link id); null for an untracked link. */
  id: string | null;
  url: string;
  /** The JWS alone (the `t` parameter of url). Shown once; never stored or logged. */
  token: string;
  expiresAt: Date;
  maxDownloads: number | null;
  tracked: boolean;
};

/** 12 random bytes: unique without a lookup, and 16 characters in the URL. */
const JTI_BYTES = 12;

export async function createLink({
  fileId,
  ttlMs,
  maxDownloads = null,
  tracked = true,
  actor,
  userId = null,
  now = new Date(),
}: CreateLinkInput): Promise<CreatedLink> {
  const config = env();
  const ttl = ttlMs ?? config.linkDefaultTtlMs;
  if (!Number.isFinite(ttl) || ttl < 1000) {
    throw new AppError('validation_failed', 'A link must live at least 1 second.');
  }
  if (ttl > config.linkMaxTtlMs) {
    throw new AppError(
      'validation_failed',
      `A link can live at most ${formatDuration(config.linkMaxTtlMs)} (LINK_MAX_TTL); ${formatDuration(ttl)} was asked.`,
    );
  }
  if (
    maxDownloads !== null &&
    (!Number.isInteger(maxDownloads) || maxDownloads < 1 || maxDownloads > MAX_DOWNLOADS_LIMIT)
  ) {
    throw new AppError(
      'validation_failed',
      `maxDownloads must be a whole number from 1 to ${MAX_DOWNLOADS_LIMIT}, or null.`,
    );
  }
  if (!tracked && maxDownloads !== null) {
    throw new AppError('validation_failed', 'One-time and limited links must be tracked.');
  }
  const file = await db().file.findUnique({ where: { id: fileId }, select: { id: true, generation: true } });
  if (!file) throw new AppError('not_found', 'No such file.');

  // Whole seconds (JWT NumericDate); the row's expiresAt is the same instant as the token's exp.
  const iat = Math.floor(now.getTime() / 1000);
  const exp = Math.floor((now.getTime() + ttl) / 1000);
  const expiresAt = new Date(exp * 1000);
  const jti = tracked ? crypto.randomBytes(JTI_BYTES).toString('base64url') : null;

  const signing = await getSigningKey(now);
  if (jti) {
    // Saved before the token exists: a tracked token always has its row.
    await db().link.create({
      data: { id: jti, fileId, createdById: userId, createdAt: now, expiresAt, maxDownloads },
    });
  }
  // `g`: the file's generation, so the link dies with this incarnation of the file (a later
  // upload under the same name gets the same id but another generation). One letter: the
  // token must stay short (README "Share links"). A file the migration found keeps the legacy
  // generation until it is deleted; its links carry no `g`, which is what that value accepts.
  const claims: Record<string, string> = { sub: fileId };
  if (file.generation !== LEGACY_FILE_GENERATION) claims.g = file.generation;
  if (jti) claims.jti = jti;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: signing.algorithm, kid: signing.kid })
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(signing.key);

  await recordAudit({
    action: 'link_create',
    actor,
    fileId,
    info: {
      link_id: jti ?? 'untracked',
      file_id: fileId,
      expires: expiresAt.toISOString(),
      max_downloads: maxDownloads ?? 'unlimited',
    },
  });
  return { id: jti, url: linkUrl(fileId, token), token, expiresAt, maxDownloads, tracked };
}
