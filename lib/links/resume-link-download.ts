// Resuming the last counted use of a tracked link without counting another (README "When a
// use counts"). The counted response carries a strong per-use ETag, a random secret only that
// response received; a resume sends it back in If-Range (Chromium, curl -C - -H 'If-Range: …')
// or If-Match (Firefox). The client IP is no condition, so a phone that changed networks can
// resume. What a resume may have:
// - bytes from after byte 0 (`bytes=0-` is a new download) and no earlier than the highest
//   offset already sent under this use minus the in-flight allowance, so one use never yields
//   a second copy;
// - within ONE_TIME_RESUME_WINDOW of the last byte sent under this use, never past the link's
//   expiry, never after a revocation.
//
// The highest offset sent is kept on the Link row (useSentTo): the counted use writes the end
// of its planned range (so while it is in flight, in any process, nobody resumes below it),
// and each response of the use writes what it really sent when it ends (finishLinkUse). Both
// writes go through the hot-path writer (lib/db/hot-writer.ts); the check reads the row on the
// read-only connection, so it holds across processes sharing the database.
import 'server-only';
import crypto from 'node:crypto';
import { prepared, writeWhenFree } from '../db/hot-writer';
import { readOnlyDb } from '../db/read-only';
import { env } from '../env';

/**
 * How far below the highest offset already sent a resume may start: bytes handed to the
 * socket that never reached the client (Node's buffer, at most 2 MiB with our two 1 MiB
 * reads, plus the kernel's send and the client's receive buffers; a proxy sends unbuffered,
 * `X-Accel-Buffering: no`). 16 MiB, but never more than half the file, so a resume of a small
 * file never comes close to a second copy.
 */
export const RESUME_IN_FLIGHT_ALLOWANCE = 16 * 1024 * 1024;

export function inFlightAllowance(size: number): number {
  return Math.min(RESUME_IN_FLIGHT_ALLOWANCE, Math.floor(size / 2));
}

/** A fresh per-use ETag: strong, and told apart from file ETags by its `u.` prefix. */
export function newUseTag(): string {
  return `"u.${crypto.randomBytes(18).toString('base64url')}"`;
}

/**
 * What the row keeps of a per-use ETag: the SHA-256 of it and of the file's version (its own
 * ETag: id, size, upload time), so a copy of the database resumes nothing, and a resume after
 * a replace (which keeps links) never splices bytes of the new content onto the old.
 */
export function hashUseTag(tag: string, fileVersion: string): string {
  return crypto.createHash('sha256').update(tag).update('\n').update(fileVersion).digest('base64url');
}

export function isUseTag(value: string | undefined): value is string {
  return value !== undefined && value.startsWith('"u.') && value.endsWith('"') && value.length <= 64;
}

export type ResumeInput = {
  jti: string;
  /** The validator the request sent (If-Range or If-Match). */
  tag: string;
  /** The file's current ETag (etagFor): a use is bound to the bytes it started on. */
  fileVersion: string;
  /** The first byte the request asks for. */
  start: number;
  /** The file's size. */
  size: number;
  now?: Date;
};

type UseRow = {
  revokedAt: number | null;
  expiresAt: number;
  downloads: number;
  useTag: string | null;
  useSentTo: number | bigint | null;
  useLastSentAt: number | null;
};

const READ_USE = `SELECT "revokedAt", "expiresAt", "downloads", "useTag", "useSentTo", "useLastSentAt"
  FROM "Link" WHERE "id" = ?`;

/** Whether this request continues the link's last counted use (true) or is a new use (false). */
export function canResumeLinkDownload({ jti, tag, fileVersion, start, size, now = new Date() }: ResumeInput): boolean {
  if (!isUseTag(tag) || !Number.isSafeInteger(start) || start < 1 || start >= size) return false;
  const row = prepared(readOnlyDb(), READ_USE).get(jti) as UseRow | undefined;
  if (!row || row.revokedAt !== null || row.downloads < 1 || row.useTag === null || row.useLastSentAt === null) {
    return false;
  }
  if (!timingSafeEqualText(row.useTag, hashUseTag(tag, fileVersion))) return false;
  const config = env();
  const at = now.getTime();
  if (Number(row.expiresAt) + config.clockSkewMs <= at) return false;
  if (at - Number(row.useLastSentAt) > config.oneTimeResumeWindowMs) return false;
  const sentTo = row.useSentTo === null ? -1 : Number(row.useSentTo);
  return start >= sentTo - inFlightAllowance(size);
}

export type FinishedUse = {
  jti: string;
  tagHash: string;
  /** The highest byte offset this response sent (start + bytes sent - 1). */
  highest: number;
  /** The counted response (replaces the planned end it wrote) or a resume (can only raise it). */
  counted: boolean;
  now?: Date;
};

const FINISH_COUNTED = `UPDATE "Link" SET "useSentTo" = ?, "useLastSentAt" = ? WHERE "id" = ? AND "useTag" = ?`;
const FINISH_RESUME = `UPDATE "Link" SET "useSentTo" = MAX(COALESCE("useSentTo", -1), ?), "useLastSentAt" = ?
  WHERE "id" = ? AND "useTag" = ?`;

/**
 * Records what a response of a use really sent, when it is over (completed or cut off): one
 * write per response, on the hot-path writer. Guarded by the use's tag, so a late write of an
 * earlier use never touches a newer one.
 */
export async function finishLinkUse({ jti, tagHash, highest, counted, now = new Date() }: FinishedUse): Promise<void> {
  await writeWhenFree((sqlite) =>
    prepared(sqlite, counted ? FINISH_COUNTED : FINISH_RESUME).run(highest, now.getTime(), jti, tagHash),
  );
}

function timingSafeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}
