import 'server-only';

/** An inclusive byte range, as in `Content-Range: bytes <start>-<end>/<size>`. */
export type ByteRange = { start: number; end: number };

/**
 * What a Range header asks of a representation of `size` bytes (RFC 9110 §14.1-14.2):
 * - `null`: ignore the header and answer 200 with everything (absent, malformed, invalid,
 *   another unit than bytes);
 * - `'unsatisfiable'`: answer 416;
 * - the satisfiable ranges, in request order, clipped to the representation.
 *
 * Our own ~50 lines instead of `range-parser`: its 1.3.0 answers 416 to a suffix range longer
 * than the file (`bytes=-500` on 100 bytes), where RFC 9110 §14.1.3 says "the entire
 * representation is used" (fixed upstream in jshttp/range-parser#66, not released), and it
 * cannot tell an empty file's satisfiable suffix range from an unsatisfiable one.
 * Plain string scanning, no regular expressions: this runs on every ranged download.
 */
export function parseRange(size: number, header: string): ByteRange[] | 'unsatisfiable' | null {
  const equals = header.indexOf('=');
  // range-unit is case-insensitive; anything but bytes is ignored (RFC 9110 §14.2).
  if (equals !== 5 || header.slice(0, 5).toLowerCase() !== 'bytes') return null;

  const ranges: ByteRange[] = [];
  let specs = 0;
  let nonZeroSuffix = false;
  for (const element of header.slice(6).split(',')) {
    const spec = element.trim(); // OWS around list elements
    if (spec === '') continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    specs++;
    const dash = spec.indexOf('-');
    if (dash === -1) return null;
    const first = spec.slice(0, dash);
    const last = spec.slice(dash + 1);

    if (first === '') {
      // suffix-range "-N": the last N bytes, or the whole representation when it is shorter.
      if (!isDigits(last)) return null;
      const length = Number(last);
      if (length === 0) continue; // "-0" is valid but never satisfiable
      nonZeroSuffix = true;
      if (size > 0) ranges.push({ start: Math.max(0, size - length), end: size - 1 });
      continue;
    }

    // int-range "A-" or "A-B"; B before A makes the whole set invalid (§14.1.1): ignore it.
    if (!isDigits(first) || (last !== '' && !isDigits(last))) return null;
    const start = Number(first);
    const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return null;
    if (start >= size) continue; // not satisfiable; another spec in the set may be
    ranges.push({ start, end });
  }

  if (specs === 0) return null;
  // An empty file: the one satisfiable form is a non-zero suffix (§14.1.1), which means the
  // whole, empty representation; a 206 cannot express zero bytes ("bytes 0--1/0" is not a
  // valid Content-Range), so that case is answered as if Range were absent (200, 0 bytes).
  if (size === 0) return nonZeroSuffix ? null : 'unsatisfiable';
  return ranges.length > 0 ? ranges : 'unsatisfiable';
}

function isDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
