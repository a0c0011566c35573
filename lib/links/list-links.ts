// The tracked links, newest first, for the links page, GET /api/v1/links and the CLI. Keyset
// paging on (createdAt, id), served by the (createdAt) and (fileId, createdAt) indexes.
import 'server-only';
import { db } from '../db';
import { env } from '../env';
import { AppError } from '../errors';
import type { Prisma } from '../generated/prisma/client';

export type LinkStatus = 'active' | 'used' | 'expired' | 'revoked';

export type LinkListItem = {
  id: string;
  fileId: string;
  fileName: string;
  createdAt: Date;
  createdBy: string | null;
  expiresAt: Date;
  /** Milliseconds until expiry; 0 once expired. */
  timeLeftMs: number;
  /** null: unlimited. */
  maxDownloads: number | null;
  downloads: number;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: LinkStatus;
};

export type ListLinksInput = { fileId?: string; limit?: number; cursor?: string | null; now?: Date };
export type ListLinksResult = { items: LinkListItem[]; nextCursor: string | null };

export const LINKS_LIMIT_MAX = 200;

export async function listLinks({
  fileId,
  limit = 50,
  cursor,
  now = new Date(),
}: ListLinksInput = {}): Promise<ListLinksResult> {
  if (!Number.isInteger(limit) || limit < 1 || limit > LINKS_LIMIT_MAX) {
    throw new AppError('validation_failed', `limit must be a whole number from 1 to ${LINKS_LIMIT_MAX}.`);
  }
  const after = cursor ? decodeCursor(cursor) : null;
  const where: Prisma.LinkWhereInput = {
    ...(fileId ? { fileId } : {}),
    ...(after
      ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
      : {}),
  };
  const rows = await db().link.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    include: { file: { select: { name: true } }, createdBy: { select: { username: true } } },
  });
  const page = rows.slice(0, limit);
  const skewMs = env().clockSkewMs;
  const items = page.map((row): LinkListItem => ({
    id: row.id,
    fileId: row.fileId,
    fileName: row.file.name,
    createdAt: row.createdAt,
    createdBy: row.createdBy?.username ?? null,
    expiresAt: row.expiresAt,
    timeLeftMs: Math.max(0, row.expiresAt.getTime() - now.getTime()),
    maxDownloads: row.maxDownloads,
    downloads: row.downloads,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    status: linkStatus(row, now, skewMs),
  }));
  const last = page.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
}

type StatusRow = { revokedAt: Date | null; expiresAt: Date; maxDownloads: number | null; downloads: number };

/** The same order of reasons as a download's refusal: revoked, expired, used. */
export function linkStatus(link: StatusRow, now: Date, skewMs = 0): LinkStatus {
  if (link.revokedAt) return 'revoked';
  if (link.expiresAt.getTime() + skewMs <= now.getTime()) return 'expired';
  if (link.maxDownloads !== null && link.downloads >= link.maxDownloads) return 'used';
  return 'active';
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.getTime(), id]), 'utf8').toString('base64url');
}

function decodeCursor(value: string): { createdAt: Date; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown[];
    if (typeof time === 'number' && Number.isSafeInteger(time) && typeof id === 'string')
      return { createdAt: new Date(time), id };
  } catch {
    // Falls through to the error below.
  }
  throw new AppError('bad_request', 'The cursor is not valid. Start again without a cursor.');
}
