import 'server-only';
import { create as createContentDisposition } from 'content-disposition';
import { contentType } from 'mime-types';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/gu; // per code point: one "_" for an emoji
const COMBINING_MARKS = /[\u0300-\u036f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The Content-Type for a file name, by extension (mime-types). Text types get
 * `; charset=utf-8` where mime-types knows one; unknown extensions are
 * application/octet-stream. The upload code can store the same value in File.type.
 */
export function contentTypeFor(name: string): string {
  return contentType(name) || 'application/octet-stream';
}

/**
 * `Content-Disposition: attachment` for a file name, always ASCII on the wire:
 * - a printable-ASCII name goes as `filename="..."` (quotes and backslashes escaped);
 * - any other name (Latin-1, CJK, emoji, control characters) gets an RFC 5987/8187
 *   `filename*=UTF-8''...` that every current browser uses, plus an ASCII `filename` fallback
 *   for clients that only read that one (curl -OJ): accents are dropped ("Übersicht März.pdf"
 *   -> "Ubersicht Marz.pdf") and every other character becomes "_" (not "?", which Windows
 *   forbids in file names). CR, LF and other control characters never reach the header.
 */
export function attachmentDisposition(name: string): string {
  if (PRINTABLE_ASCII.test(name)) return createContentDisposition(name);
  // encodeURIComponent (inside filename*) throws on a lone UTF-16 surrogate.
  const wellFormed = name.replace(LONE_SURROGATE, '\ufffd');
  const fallback = wellFormed.normalize('NFKD').replace(COMBINING_MARKS, '').replace(NOT_PRINTABLE_ASCII, '_');
  return createContentDisposition(wellFormed, { fallback });
}

/**
 * A strong ETag from the file's id, size and modification time (whole milliseconds):
 * `"<encoded id>-<size hex>-<mtime hex>"`. Our own format rather than the `etag` package,
 * whose stat-based tags are weak by default and leave out the id: If-Range needs a strong
 * validator (RFC 9110 §13.1.5), and files are written once and renamed into place, so the
 * bytes behind one id change only together with the size or the mtime. encodeURIComponent
 * keeps any stored id (even a Flask one with "/" or "+") within ETag's allowed characters.
 */
export function etagFor(id: string, size: number, mtimeMs: number): string {
  return `"${encodeURIComponent(id)}-${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}
