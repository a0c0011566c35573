// Resuming an interrupted download of a tracked link without counting a use. A request is a
// resume when all hold:
// - it is a Range request whose If-Range matched the file's current ETag (the caller checks
//   that: same bytes as the interrupted download, not a new download in disguise);
// - the link has been used at least once, is not revoked and not expired;
// - it comes from the IP that made the last counted use (Link.lastUsedIp);
// - within ONE_TIME_RESUME_WINDOW (default 10 min) of that use. Resumes do not move
//   lastUsedAt, so the window cannot be stretched by resuming.
// Anything else is a new use: consumeLinkUse counts it, or refuses it when the limit is reached.
import 'server-only';
import { db } from '../db';
import { env } from '../env';

export type CanResumeInput = {
  jti: string;
  ip: string | null;
  /** True only for a Range request with an If-Range equal to the file's strong ETag. */
  ifRangeMatches: boolean;
  now?: Date;
};

export async function canResumeLinkDownload({
  jti,
  ip,
  ifRangeMatches,
  now = new Date(),
}: CanResumeInput): Promise<boolean> {
  if (!ifRangeMatches || !ip || ip === 'unknown') return false;
  const link = await db().link.findUnique({
    where: { id: jti },
    select: { revokedAt: true, expiresAt: true, downloads: true, lastUsedAt: true, lastUsedIp: true },
  });
  if (!link || link.revokedAt || link.downloads < 1 || !link.lastUsedAt || link.lastUsedIp !== ip) return false;
  const config = env();
  if (link.expiresAt.getTime() + config.clockSkewMs <= now.getTime()) return false;
  const sinceUse = now.getTime() - link.lastUsedAt.getTime();
  return sinceUse >= 0 && sinceUse <= config.oneTimeResumeWindowMs;
}
