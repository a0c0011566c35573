// Resuming the last counted use of a tracked link without counting another (README "When a
// use counts"). The counted response carries a strong per-use ETag, a random secret only that
// response received; a resume sends it back in If-Range (Chromium, curl -C - -H 'If-Range: …')
// or If-Match (Firefox). The client IP is no condition, so a phone that changed networks can
// resume. What a resume may have:
// - bytes from after byte 0 (`bytes=0-` is a new download) and no earlier than the highest
//   offset already sent under this use minus the in-flight allowance, so one use never yields
//   a second copy;
// - again at most the in-flight allowance in all: every byte a resume is allowed to send that
//   was (or may have been) sent before under the use is counted in useResent, so all the
//   responses of a use together send at most the file plus the allowance;
// - within ONE_TIME_RESUME_WINDOW of the last byte sent under this use, never past the link's
//   expiry, never after a revocation.
//
// Each response of a use CLAIMS its range when it starts: the counted one in consumeLinkUse's
// UPDATE, a resume in claimLinkUseResume's, one conditional UPDATE on the hot-path writer that
// checks all of the above against the row and, in the same statement, raises useSentTo to the
// end this response plans to send and makes it the holder of the use (useClaim, a random id).
// So of any number of parallel resumes, in one process or several sharing the database, at most
// one passes the check for a given offset: the next one is judged against the planned end of
// the first. When a response ends it writes what it really sent (finishLinkUse) only if it
// still holds the use; a later claim governs otherwise (and already counted this response's
// planned end as sent).
import 'server-only';
import crypto from 'node:crypto';
import { prepared, writeWhenFree } from '../db/hot-writer';
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
  /** The last byte it will send. */
  end: number;
  /** The file's size. */
  size: number;
  now?: Date;
};

/** A fresh claim id for one response of a use. */
export function newUseClaim(): string {
  return crypto.randomBytes(12).toString('base64url');
}

// One statement: the check and the claim. Every right-hand side sees the row as it was, so the
// resent bytes and the floor are those of the previous holder's planned (or recorded) end.
// The bytes this resume may send again (from its start to the highest offset sent so far) and
// all those earlier resumes of the use were allowed to send again are at most the allowance.
const CLAIM_RESUME = `
  UPDATE "Link"
  SET "useClaim" = @claim,
    "useSentBefore" = COALESCE("useSentTo", -1),
    "useResent" = COALESCE("useResent", 0) + MAX(0, COALESCE("useSentTo", -1) + 1 - @start),
    "useSentTo" = MAX(COALESCE("useSentTo", -1), @end),
    "useLastSentAt" = @now
  WHERE "id" = @jti
    AND "useTag" = @tagHash
    AND "revokedAt" IS NULL
    AND "expiresAt" > @notExpiredBefore
    AND "downloads" >= 1
    AND "useLastSentAt" IS NOT NULL
    AND "useLastSentAt" >= @windowStart
    AND COALESCE("useResent", 0) + MAX(0, COALESCE("useSentTo", -1) + 1 - @start) <= @allowance`;

/**
 * Whether this request continues the link's last counted use, and if so claims its range for
 * it (returns the claim id); null when it is no resume (the caller treats it as a new use).
 */
export async function claimLinkUseResume({
  jti,
  tag,
  fileVersion,
  start,
  end,
  size,
  now = new Date(),
}: ResumeInput): Promise<string | null> {
  if (!isUseTag(tag) || !Number.isSafeInteger(start) || start < 1 || start >= size) return null;
  if (!Number.isSafeInteger(end) || end < start || end >= size) return null;
  const config = env();
  const at = now.getTime();
  const claim = newUseClaim();
  const { changes } = await writeWhenFree((sqlite) =>
    prepared(sqlite, CLAIM_RESUME).run({
      claim,
      start,
      end,
      now: at,
      jti,
      tagHash: hashUseTag(tag, fileVersion),
      notExpiredBefore: at - config.clockSkewMs,
      windowStart: at - config.oneTimeResumeWindowMs,
      allowance: inFlightAllowance(size),
    }),
  );
  return changes === 1 ? claim : null;
}

export type FinishedUse = {
  jti: string;
  tagHash: string;
  /** The claim id this response got (consumeLinkUse's or claimLinkUseResume's). */
  claim: string;
  /** The highest byte offset this response sent (start + bytes sent - 1). */
  highest: number;
  now?: Date;
};

// Only while this response still holds the use: what was sent before its claim, raised by
// what it really sent (a cut-off response lowers its planned end to that, never below what
// earlier responses sent).
const FINISH = `UPDATE "Link"
  SET "useSentTo" = MAX(COALESCE("useSentBefore", -1), ?), "useLastSentAt" = ?
  WHERE "id" = ? AND "useTag" = ? AND "useClaim" = ?`;

/**
 * Records what a response of a use really sent, when it is over (completed or cut off): one
 * write per response, on the hot-path writer. Guarded by the use's tag and the response's
 * claim, so neither a late write of an earlier use nor a response a later claim took over
 * touches the row.
 */
export async function finishLinkUse({ jti, tagHash, claim, highest, now = new Date() }: FinishedUse): Promise<void> {
  await writeWhenFree((sqlite) => prepared(sqlite, FINISH).run(highest, now.getTime(), jti, tagHash, claim));
}
