import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { notFound, renderDownloadError } from './render-download-error';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('renderDownloadError', () => {
  it('renders a self-contained HTML page for browsers', () => {
    const { status, headers, body } = renderDownloadError(notFound(), BROWSER_ACCEPT);
    expect(status).toBe(404);
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(headers['Content-Length']).toBe(String(Buffer.byteLength(body)));
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    expect(headers['Cache-Control']).toBe('no-store');
    expect(headers['Content-Security-Policy']).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);
    expect(body).toMatch(/^<!doctype html>/);
    expect(body).toContain('<title>File not found</title>');
    expect(body).toContain('<h1>File not found</h1>');
    expect(body).toContain(notFound().message);
    expect(body).not.toMatch(/<script|<link|src=|href=|url\(/i);
  });

  it('answers JSON {"error":{"code","message"}} to everyone else', () => {
    for (const accept of [undefined, null, '*/*', 'application/json']) {
      const { status, headers, body } = renderDownloadError(notFound(), accept);
      expect(status).toBe(404);
      expect(headers['Content-Type']).toBe('application/json; charset=utf-8');
      expect(headers['Cache-Control']).toBe('no-store');
      expect(headers['X-Content-Type-Options']).toBe('nosniff');
      expect(headers['Referrer-Policy']).toBe('no-referrer');
      expect(headers['Content-Security-Policy']).toBeUndefined();
      expect(JSON.parse(body)).toEqual({ error: { code: 'not_found', message: notFound().message } });
    }
  });

  it('gives byte-identical 404s for a missing and a private file (no existence oracle)', () => {
    const missing = renderDownloadError(notFound(), BROWSER_ACCEPT);
    const privateFile = renderDownloadError(notFound(), BROWSER_ACCEPT);
    expect(privateFile).toEqual(missing);
    expect(renderDownloadError(notFound(), '*/*')).toEqual(renderDownloadError(notFound(), '*/*'));
  });

  it('titles link errors and escapes the message', () => {
    const expired = renderDownloadError(
      new AppError('link_expired', 'This link expired at 2024-01-15 10:30 UTC.'),
      BROWSER_ACCEPT,
    );
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('<h1>This link has expired</h1>');
    const invalid = renderDownloadError(new AppError('link_invalid', 'Not <b>valid</b> & "odd"'), BROWSER_ACCEPT);
    expect(invalid.status).toBe(403);
    expect(invalid.body).toContain('Not &lt;b&gt;valid&lt;/b&gt; &amp; &quot;odd&quot;');
    expect(invalid.body).not.toContain('<b>');
  });

  it('shows no stack trace for an internal error', () => {
    const error = new AppError('internal', 'Something went wrong on the server. The error was logged.');
    const page = renderDownloadError(error, BROWSER_ACCEPT);
    expect(page.status).toBe(500);
    expect(page.body).not.toContain('at ');
    expect(page.body).not.toContain('.ts');
  });
});
