import 'server-only';
import { AppError, errorBody, retryAfterHeader, type ErrorCode } from '../errors';

export type ErrorAnswer = {
  status: number;
  headers: Record<string, string>;
  body: string;
};

const NOT_FOUND_MESSAGE = 'There is no file at this address. Check the link, or ask the person who sent it.';

/**
 * The one answer for "no such file" and "a private file and no credentials": the same code and
 * message, so the rendered 404 is byte-identical and reveals nothing about existence.
 */
export function notFound(): AppError {
  return new AppError('not_found', NOT_FOUND_MESSAGE);
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  not_found: 'File not found',
  forbidden: 'Access denied',
  bad_request: 'Bad request',
  method_not_allowed: 'Method not allowed',
  request_timeout: 'Request timed out',
  unauthorized: 'Sign-in required',
  link_invalid: 'This link is not valid',
  link_expired: 'This link has expired',
  link_used: 'This link was already used',
  link_revoked: 'This link was revoked',
  gone: 'No longer available',
  range_not_satisfiable: 'Range not satisfiable',
  rate_limited: 'Too many requests',
  unavailable: 'Temporarily unavailable',
  internal: 'Something went wrong',
};

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  // The body depends on Accept (HTML or JSON).
  Vary: 'Accept',
} as const;

/**
 * An error on a download URL as a browser page (when Accept includes text/html) or as
 * `{"error":{"code","message"}}` JSON. The page is self-contained: inline CSS only, no
 * scripts, no external requests (the CSP forbids them), no stack trace.
 */
export function renderDownloadError(error: AppError, accept: string | null | undefined): ErrorAnswer {
  const retry = retryAfterHeader(error);
  if (accept?.includes('text/html')) {
    const body = renderPage(error);
    return {
      status: error.status,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(body)),
        ...COMMON_HEADERS,
        ...retry,
        'Content-Security-Policy':
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      },
      body,
    };
  }
  const body = JSON.stringify(errorBody(error));
  return {
    status: error.status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      ...COMMON_HEADERS,
      ...retry,
    },
    body,
  };
}

const LINK_ERRORS = new Set<ErrorCode>(['link_invalid', 'link_expired', 'link_used', 'link_revoked']);

function renderPage(error: AppError): string {
  const title = escapeHtml(TITLES[error.code] ?? 'Something went wrong');
  // A recipient cannot fix a link; say who can.
  const next = LINK_ERRORS.has(error.code) ? '<p class="next">Ask the person who sent it for a new link.</p>' : '';
  return `${PAGE_HEAD}<title>${title}</title>${PAGE_STYLE}</head><body><main><p class="status">Error ${error.status}</p><h1>${title}</h1><p>${escapeHtml(error.message)}</p>${next}</main></body></html>\n`;
}

export const PAGE_HEAD =
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<meta name="robots" content="noindex">';

export const PAGE_STYLE = `<style>
:root{color-scheme:light dark}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;padding:1.5rem;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:#f3f4f6;color:#111827}
main{width:100%;max-width:30rem;padding:2rem 2.25rem;background:#fff;border:1px solid #e5e7eb;border-radius:14px;box-shadow:0 1px 2px rgba(0,0,0,.04),0 8px 24px rgba(0,0,0,.06)}
.status{margin:0 0 .35rem;font-size:.75rem;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:#6b7280}
h1{margin:0 0 .75rem;font-size:1.4rem;line-height:1.3}
p{margin:0;color:#374151;overflow-wrap:anywhere}
.next{margin-top:.75rem;font-size:.9rem;color:#6b7280}
@media (prefers-color-scheme:dark){body{background:#0b0f14;color:#e5e7eb}main{background:#151b23;border-color:#2a313c;box-shadow:none}p{color:#c9d1d9}.status{color:#8b949e}}
</style>`;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const HTML_SPECIAL = /[&<>"']/g;

export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (c) => HTML_ESCAPES[c]);
}
