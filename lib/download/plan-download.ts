import 'server-only';
import fresh from 'fresh';
import { attachmentDisposition, contentTypeFor, etagFor } from './content-headers';
import { parseRange, type ByteRange } from './parse-range';

export type DownloadMethod = 'GET' | 'HEAD';

/** The request headers the plan reads; Node's `req.headers` fits as it is. */
export type DownloadRequestHeaders = {
  readonly range?: string | string[] | null;
  readonly 'if-range'?: string | string[] | null;
  readonly 'if-none-match'?: string | string[] | null;
  readonly 'if-modified-since'?: string | string[] | null;
};

/** What the caller knows about the file (from its database row or a stat). */
export type DownloadFile = {
  id: string;
  name: string;
  size: number | bigint;
  /** Last modification; must change whenever the bytes change (mtime, or the row's upload time). */
  mtimeMs: number;
};

export type DownloadInput = {
  method: DownloadMethod;
  headers: DownloadRequestHeaders;
  file: DownloadFile;
  /**
   * The validator to answer with and to compare If-None-Match / If-Range against, instead of
   * the file's own ETag (a share link's per-use ETag, lib/links resume-link-download.ts).
   */
  etag?: string;
};

export type DownloadPlan = {
  status: 200 | 206 | 304 | 416;
  /** Every response header except Date (the server adds it), with their wire spelling. */
  headers: Record<string, string>;
  /** The inclusive byte range to stream, or null when the answer has no body (HEAD, 304, 416, empty file). */
  bytes: ByteRange | null;
};

export function isDownloadMethod(method: string | undefined): method is DownloadMethod {
  return method === 'GET' || method === 'HEAD';
}

/**
 * Decides status, headers and byte range of a download, per PRODUCT.md "Download URLs" and
 * RFC 9110 §13 (conditional requests) and §14 (ranges). Pure and cheap: no I/O, no JSON,
 * regular expressions only precompiled ones (in the packages too). Access is decided before,
 * by the caller; this only answers for a file the request may have.
 *
 * Evaluation order is RFC 9110 §13.2.2: If-None-Match (or, without it, If-Modified-Since)
 * first, so a fresh cache gets 304 even when it also sent Range; then If-Range; then Range.
 */
export function planDownload({ method, headers, file, etag: givenEtag }: DownloadInput): DownloadPlan {
  const size = Number(file.size);
  const etag = givenEtag ?? etagFor(file.id, size, file.mtimeMs);
  const lastModified = new Date(file.mtimeMs).toUTCString();

  const ifNoneMatch = single(headers['if-none-match']);
  const ifModifiedSince = single(headers['if-modified-since']);
  // fresh: If-None-Match with weak comparison and "*", If-Modified-Since only without it, an
  // invalid date ignored. Request Cache-Control is not passed on purpose: an end-to-end reload
  // is a cache's concern, the origin still answers the condition.
  if (
    (ifNoneMatch || ifModifiedSince) &&
    fresh(
      { 'if-none-match': ifNoneMatch, 'if-modified-since': ifModifiedSince },
      { etag, 'last-modified': lastModified },
    )
  ) {
    return {
      status: 304,
      // RFC 9110 §15.4.5: the validators and Cache-Control a 200 would carry. No Content-Length:
      // it is optional here and some intermediaries misread it on a body-less answer.
      headers: {
        ETag: etag,
        'Last-Modified': lastModified,
        'Cache-Control': CACHE_CONTROL,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      },
      bytes: null,
    };
  }

  // Range is defined for GET only (RFC 9110 §14.2), so HEAD always describes the whole file.
  const rangeHeader = method === 'GET' ? single(headers.range) : undefined;
  const ranges =
    rangeHeader && ifRangeHolds(single(headers['if-range']), etag, file.mtimeMs) ? parseRange(size, rangeHeader) : null;

  if (ranges === 'unsatisfiable') {
    return {
      status: 416,
      headers: {
        'Content-Range': `bytes */${size}`,
        'Content-Length': '0',
        'Accept-Ranges': 'bytes',
        'Cache-Control': CACHE_CONTROL,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      },
      bytes: null,
    };
  }

  // One satisfiable range: 206. Several: the whole file with 200, which RFC 9110 §14.2 allows
  // ("a server MAY ignore the Range header field"); multipart/byteranges would cost a second
  // code path for a form that download managers and browsers do not use (they resume with one
  // open range), and coalescing many small ranges is a known amplification vector.
  const range = ranges !== null && ranges.length === 1 ? ranges[0] : null;
  const bytes = method === 'HEAD' ? null : (range ?? (size > 0 ? { start: 0, end: size - 1 } : null));
  const responseHeaders: Record<string, string> = {
    'Content-Length': String(range ? range.end - range.start + 1 : size),
    'Content-Type': contentTypeFor(file.name),
    'Content-Disposition': attachmentDisposition(file.name),
    'X-Content-Type-Options': 'nosniff',
    // Defence in depth should a client render the attachment anyway: no scripts, no fetches.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    ETag: etag,
    'Last-Modified': lastModified,
    'Accept-Ranges': 'bytes',
    // private: the URL may carry a token, so shared caches keep nothing; no-cache: a browser
    // revalidates (cheap 304) instead of serving a file that was replaced or made private.
    'Cache-Control': CACHE_CONTROL,
    'Referrer-Policy': 'no-referrer',
  };
  if (range) responseHeaders['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  return { status: range ? 206 : 200, headers: responseHeaders, bytes };
}

const CACHE_CONTROL = 'private, no-cache';

/**
 * If-Range (RFC 9110 §13.1.5): without it the range applies; an entity-tag must match ours by
 * strong comparison (a weak tag never does); a date must equal Last-Modified to the second.
 */
function ifRangeHolds(ifRange: string | undefined, etag: string, mtimeMs: number): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Math.floor(mtimeMs / 1000) * 1000;
}

function single(value: string | string[] | null | undefined): string | undefined {
  if (typeof value === 'string') return value;
  return undefined;
}
