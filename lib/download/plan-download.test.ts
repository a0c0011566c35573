import { describe, expect, it } from 'vitest';
import { planDownload, type DownloadFile, type DownloadRequestHeaders } from './plan-download';

const MTIME = Date.UTC(2024, 0, 15, 10, 30, 0, 123);
const LAST_MODIFIED = 'Mon, 15 Jan 2024 10:30:00 GMT';
const FILE: DownloadFile = { id: 'aB3-x_9Z', name: 'report.pdf', size: 1000, mtimeMs: MTIME };

function get(headers: DownloadRequestHeaders = {}, file: DownloadFile = FILE) {
  return planDownload({ method: 'GET', headers, file });
}
function head(headers: DownloadRequestHeaders = {}, file: DownloadFile = FILE) {
  return planDownload({ method: 'HEAD', headers, file });
}
const ETAG = get().headers.ETag;

describe('planDownload: whole file', () => {
  it('answers 200 with every header PRODUCT.md requires', () => {
    const plan = get();
    expect(plan.status).toBe(200);
    expect(plan.bytes).toEqual({ start: 0, end: 999 });
    expect(plan.headers).toEqual({
      'Content-Length': '1000',
      'Content-Type': 'application/pdf',
      'Content-Disposition': 'attachment; filename=report.pdf',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      ETag: ETAG,
      'Last-Modified': LAST_MODIFIED,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, no-cache',
      'Referrer-Policy': 'no-referrer',
    });
  });

  it('gives a strong ETag that changes with the id, the size and the mtime, and is stable otherwise', () => {
    expect(ETAG).toMatch(/^"[\x21\x23-\x7e]+"$/);
    expect(get().headers.ETag).toBe(ETAG);
    expect(get({}, { ...FILE, size: 1001 }).headers.ETag).not.toBe(ETAG);
    expect(get({}, { ...FILE, mtimeMs: MTIME + 1 }).headers.ETag).not.toBe(ETAG);
    expect(get({}, { ...FILE, id: 'other' }).headers.ETag).not.toBe(ETAG);
    // Flask ids carry "/" and "+"; the tag stays within etagc
    expect(get({}, { ...FILE, id: 'C7+mw7/j' }).headers.ETag).toMatch(/^"[\x21\x23-\x7e]+"$/);
  });

  it('answers HEAD with the same headers, Content-Length included, and no body', () => {
    const plan = head();
    expect(plan.status).toBe(200);
    expect(plan.bytes).toBeNull();
    expect(plan.headers).toEqual(get().headers);
  });

  it('accepts the size as a bigint (Prisma BigInt column)', () => {
    expect(get({}, { ...FILE, size: 5_000_000_000n }).headers['Content-Length']).toBe('5000000000');
  });

  it('takes Content-Type from the name, never serving HTML, SVG or XML inline', () => {
    const type = (name: string) => get({}, { ...FILE, name }).headers['Content-Type'];
    expect(type('notes.txt')).toBe('text/plain; charset=utf-8');
    expect(type('data.json')).toBe('application/json; charset=utf-8');
    expect(type('PHOTO.JPG')).toBe('image/jpeg');
    expect(type('archive.tar.gz')).toBe('application/gzip');
    expect(type('Makefile')).toBe('application/octet-stream');
    expect(type('blob.unknownext')).toBe('application/octet-stream');
    for (const name of ['page.html', 'logo.svg', 'feed.xml', 'x.xhtml']) {
      const plan = get({}, { ...FILE, name });
      expect(plan.headers['Content-Disposition']).toMatch(/^attachment;/);
      expect(plan.headers['X-Content-Type-Options']).toBe('nosniff');
    }
    expect(type('page.html')).toBe('text/html; charset=utf-8');
    expect(type('logo.svg')).toBe('image/svg+xml');
  });
});

describe('planDownload: Range', () => {
  const range = (value: string, file = FILE) => get({ range: value }, file);

  it('serves a single closed range as 206 with Content-Range and the part length', () => {
    const plan = range('bytes=0-99');
    expect(plan.status).toBe(206);
    expect(plan.bytes).toEqual({ start: 0, end: 99 });
    expect(plan.headers['Content-Length']).toBe('100');
    expect(plan.headers['Content-Range']).toBe('bytes 0-99/1000');
    expect(plan.headers.ETag).toBe(ETAG);
    expect(plan.headers['Content-Disposition']).toBe('attachment; filename=report.pdf');
  });

  it('serves suffix ranges, the whole file when the suffix is longer than it', () => {
    expect(range('bytes=-500').bytes).toEqual({ start: 500, end: 999 });
    expect(range('bytes=-500').headers['Content-Range']).toBe('bytes 500-999/1000');
    const long = range('bytes=-5000');
    expect(long.status).toBe(206);
    expect(long.headers['Content-Range']).toBe('bytes 0-999/1000');
    expect(long.headers['Content-Length']).toBe('1000');
  });

  it('serves open ranges to the end and clips ranges past the end', () => {
    expect(range('bytes=100-').headers['Content-Range']).toBe('bytes 100-999/1000');
    expect(range('bytes=100-').headers['Content-Length']).toBe('900');
    expect(range('bytes=900-5000').headers['Content-Range']).toBe('bytes 900-999/1000');
    expect(range('bytes=999-999').headers['Content-Length']).toBe('1');
  });

  it('accepts the unit in any case and whitespace around list elements', () => {
    expect(range('BYTES=1-2').status).toBe(206);
    expect(range('bytes= 1-2 ,').headers['Content-Range']).toBe('bytes 1-2/1000');
  });

  it('answers 416 with Content-Range bytes */size when no range is satisfiable', () => {
    for (const value of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=1000-1000, 2000-']) {
      const plan = range(value);
      expect(plan.status, value).toBe(416);
      expect(plan.bytes).toBeNull();
      expect(plan.headers['Content-Range']).toBe('bytes */1000');
      expect(plan.headers['Content-Length']).toBe('0');
    }
  });

  it('answers several satisfiable ranges with the whole file (200), one satisfiable among them with 206', () => {
    const many = range('bytes=0-1,5-6');
    expect(many.status).toBe(200);
    expect(many.bytes).toEqual({ start: 0, end: 999 });
    expect(many.headers['Content-Length']).toBe('1000');
    expect(many.headers['Content-Range']).toBeUndefined();
    expect(range('bytes=0-0,-1').status).toBe(200);
    const one = range('bytes=0-9, 5000-6000');
    expect(one.status).toBe(206);
    expect(one.headers['Content-Range']).toBe('bytes 0-9/1000');
  });

  it('ignores malformed, invalid and foreign-unit Range headers (200, whole file)', () => {
    for (const value of [
      'bytes=abc',
      'bytes=5-2',
      'items=0-1',
      'bytes=',
      'bytes=,',
      '0-5',
      'bytes 0-5',
      'bytes=1-2-3',
      'bytes=1.5-2',
      'bytes=-',
      'bytes=+1-2',
      'bytes=0x10-',
    ]) {
      const plan = range(value);
      expect(plan.status, value).toBe(200);
      expect(plan.headers['Content-Length']).toBe('1000');
      expect(plan.headers['Content-Range']).toBeUndefined();
    }
  });

  it('ignores Range on HEAD (Range is defined for GET only)', () => {
    const plan = head({ range: 'bytes=0-99' });
    expect(plan.status).toBe(200);
    expect(plan.headers['Content-Length']).toBe('1000');
    expect(plan.bytes).toBeNull();
  });

  it('zero-byte files: 200 with Content-Length 0; int-range 416; non-zero suffix is the whole empty file (200)', () => {
    const empty = { ...FILE, size: 0 };
    const plain = get({}, empty);
    expect(plain.status).toBe(200);
    expect(plain.headers['Content-Length']).toBe('0');
    expect(plain.bytes).toBeNull();
    const from0 = range('bytes=0-', empty);
    expect(from0.status).toBe(416);
    expect(from0.headers['Content-Range']).toBe('bytes */0');
    expect(range('bytes=0-0', empty).status).toBe(416);
    expect(range('bytes=-0', empty).status).toBe(416);
    const suffix = range('bytes=-5', empty);
    expect(suffix.status).toBe(200);
    expect(suffix.headers['Content-Length']).toBe('0');
    expect(suffix.bytes).toBeNull();
  });
});

describe('planDownload: If-Range', () => {
  it('serves the range only when If-Range matches the strong ETag', () => {
    expect(get({ range: 'bytes=0-9', 'if-range': ETAG }).status).toBe(206);
    const stale = get({ range: 'bytes=0-9', 'if-range': '"something-else"' });
    expect(stale.status).toBe(200);
    expect(stale.headers['Content-Length']).toBe('1000');
    expect(get({ range: 'bytes=0-9', 'if-range': `W/${ETAG}` }).status).toBe(200); // weak never matches
  });

  it('serves the range when an If-Range date equals Last-Modified exactly, else the whole file', () => {
    expect(get({ range: 'bytes=0-9', 'if-range': LAST_MODIFIED }).status).toBe(206);
    expect(get({ range: 'bytes=0-9', 'if-range': 'Mon, 15 Jan 2024 10:30:01 GMT' }).status).toBe(200);
    expect(get({ range: 'bytes=0-9', 'if-range': 'Mon, 15 Jan 2024 10:29:59 GMT' }).status).toBe(200);
    expect(get({ range: 'bytes=0-9', 'if-range': 'not a date' }).status).toBe(200);
  });

  it('an If-Range mismatch also turns an unsatisfiable range into the whole file', () => {
    expect(get({ range: 'bytes=5000-', 'if-range': '"old"' }).status).toBe(200);
  });

  it('is ignored without Range', () => {
    expect(get({ 'if-range': '"old"' }).status).toBe(200);
  });
});

describe('planDownload: conditional requests', () => {
  const expect304 = (headers: DownloadRequestHeaders) => {
    const plan = get(headers);
    expect(plan.status, JSON.stringify(headers)).toBe(304);
    expect(plan.bytes).toBeNull();
    expect(plan.headers).toEqual({
      ETag: ETAG,
      'Last-Modified': LAST_MODIFIED,
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
  };

  it('If-None-Match: 304 for our tag, in a list, as "*", and by weak comparison', () => {
    expect304({ 'if-none-match': ETAG });
    expect304({ 'if-none-match': `"a", ${ETAG}, "b"` });
    expect304({ 'if-none-match': `"a",${ETAG}` });
    expect304({ 'if-none-match': '*' });
    expect304({ 'if-none-match': `W/${ETAG}` });
  });

  it('If-None-Match: 200 for other tags', () => {
    expect(get({ 'if-none-match': '"other"' }).status).toBe(200);
    expect(get({ 'if-none-match': '"a", "b"' }).status).toBe(200);
  });

  it('If-Modified-Since: 304 when equal or newer, 200 when older or invalid', () => {
    expect304({ 'if-modified-since': LAST_MODIFIED });
    expect304({ 'if-modified-since': 'Tue, 16 Jan 2024 00:00:00 GMT' });
    expect(get({ 'if-modified-since': 'Mon, 15 Jan 2024 10:29:59 GMT' }).status).toBe(200);
    expect(get({ 'if-modified-since': 'yesterday' }).status).toBe(200);
  });

  it('If-None-Match wins over If-Modified-Since', () => {
    expect(get({ 'if-none-match': '"other"', 'if-modified-since': 'Tue, 16 Jan 2024 00:00:00 GMT' }).status).toBe(200);
    expect304({ 'if-none-match': ETAG, 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' });
  });

  it('a fresh cache gets 304 even when it also asks for a range', () => {
    expect304({ 'if-none-match': ETAG, range: 'bytes=0-9' });
  });

  it('answers HEAD conditionally too', () => {
    expect(head({ 'if-none-match': ETAG }).status).toBe(304);
  });
});
