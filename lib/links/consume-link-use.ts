// Counting a download of a tracked link: ONE conditional UPDATE, so the database decides who
// wins. Of any number of parallel requests, in one process or several sharing the database,
// exactly as many succeed as the limit allows: SQLite runs each UPDATE under its write lock,
// and the WHERE clause re-checks the count inside it. No read-then-write.
//
// Raw SQL because the condition compares two columns (downloads < maxDownloads), which
// Prisma's updateMany cannot express, and on the hot-path connection (lib/db/hot-writer.ts)
// because it runs on every download of a tracked link. Dates are integer epoch ms, exactly
// like Prisma's own writes (timestampFormat 'unixepoch-ms').
import 'server-only';
import { db } from '../db';
import { prepared, writeWhenFree } from '../db/hot-writer';
import { env } from '../env';
import { linkExpired, linkInvalid, linkRevoked, linkUsed } from './link-errors';

export type ConsumeLinkUseInput = {
  jti: string;
  ip: string | null;
  /** hashUseTag of the per-use ETag the counted response carries (its resume secret). */
  useTagHash?: string | null;
  /** The last byte the counted response plans to send (-1 for none): the highest offset "sent" while it is in flight. */
  plannedEnd?: number;
  /** The counted response's claim id (newUseClaim): it holds the use until a resume claims it. */
  useClaim?: string | null;
  now?: Date;
};

/**
 * Counts one use, or throws link_used / link_revoked / link_expired (410) or link_invalid
 * (403, no such tracked link). File.downloads is not touched: the download code counts
 * downloads of every kind (public, session, link) in one place.
 */
export async function consumeLinkUse({
  jti,
  ip,
  useTagHash = null,
  plannedEnd = -1,
  useClaim = null,
  now = new Date(),
}: ConsumeLinkUseInput): Promise<void> {
  // The token's exp was checked with the clock-skew leeway; the row gets the same leeway so
  // the two never disagree about a link in its last seconds.
  const notExpiredBefore = now.getTime() - env().clockSkewMs;
  const { changes } = await writeWhenFree((sqlite) =>
    prepared(sqlite, CONSUME).run(
      now.getTime(),
      ip,
      useTagHash,
      plannedEnd,
      now.getTime(),
      useClaim,
      jti,
      notExpiredBefore,
    ),
  );
  if (changes === 1) return;
  // Only a refused use reads the row, to say why.
  throw await whyUnusable(jti, now);
}

const CONSUME = `
  UPDATE "Link"
  SET "downloads" = "downloads" + 1, "lastUsedAt" = ?, "lastUsedIp" = ?,
    "useTag" = ?, "useSentTo" = ?, "useLastSentAt" = ?,
    "useClaim" = ?, "useSentBefore" = -1, "useResent" = 0
  WHERE "id" = ?
    AND "revokedAt" IS NULL
    AND "expiresAt" > ?
    AND ("maxDownloads" IS NULL OR "downloads" < "maxDownloads")`;

export type LinkUsage = {
  id: string;
  fileId: string;
  maxDownloads: number | null;
  downloads: number;
  expiresAt: Date;
  lastUsedAt: Date | null;
};

/**
 * The link's state without counting a use (HEAD, and the landing page a browser gets for a
 * one-time or limited link); throws like consumeLinkUse when a GET would be refused.
 */
export async function checkLinkUsable({ jti, now = new Date() }: { jti: string; now?: Date }): Promise<LinkUsage> {
  const link = await db().link.findUnique({ where: { id: jti } });
  if (!link) throw linkInvalid('unknown_link', jti);
  const problem = unusableBecause(link, now);
  if (problem) throw problem;
  return {
    id: link.id,
    fileId: link.fileId,
    maxDownloads: link.maxDownloads,
    downloads: link.downloads,
    expiresAt: link.expiresAt,
    lastUsedAt: link.lastUsedAt,
  };
}

async function whyUnusable(jti: string, now: Date) {
  const link = await db().link.findUnique({ where: { id: jti } });
  if (!link) return linkInvalid('unknown_link', jti);
  // The row may have become usable again in between only if an admin edited it by hand; say
  // "used" then rather than retry, so a refusal never turns into a second use.
  return unusableBecause(link, now) ?? linkUsed(link.maxDownloads ?? 1, link.id);
}

type LinkRow = { id: string; revokedAt: Date | null; expiresAt: Date; maxDownloads: number | null; downloads: number };

function unusableBecause(link: LinkRow, now: Date) {
  if (link.revokedAt) return linkRevoked(link.id);
  if (link.expiresAt.getTime() + env().clockSkewMs <= now.getTime()) return linkExpired(link.expiresAt, link.id);
  if (link.maxDownloads !== null && link.downloads >= link.maxDownloads) return linkUsed(link.maxDownloads, link.id);
  return null;
}
