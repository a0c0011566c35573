// What the front server refuses before any route sees a request: methods the product does not
// speak (TRACE, CONNECT, WebDAV verbs: 405, never a 5xx from Next), targets that are not a path
// (`OPTIONS *`) or whose %-escapes do not decode to UTF-8 (400; Next would answer 500), writes to
// a page that are not server actions (405), and state-changing requests that carry the admin
// session cookie (or call a server action) from another site (403; see lib/http/same-origin).
import type http from 'node:http';
import { AppError } from '../errors';
import { crossSiteRefusal, type OriginPolicy } from '../http/same-origin';

export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ALLOWED = new Set<string>(ALLOWED_METHODS);

// Next's server action ids are hex (42 characters in Next 16); anything else makes Next answer 500.
const ACTION_ID = /^[0-9a-f]{40,64}$/i;

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?next-auth\.session-token(?:\.\d+)?=/;

export function refuseRequest(req: http.IncomingMessage, pathname: string, policy: OriginPolicy): AppError | null {
  const method = req.method ?? 'GET';
  if (!ALLOWED.has(method)) {
    return new AppError('method_not_allowed', `This server does not answer ${method} requests.`);
  }
  // Origin-form only: `OPTIONS *` and absolute-form targets are for proxies, not for us.
  if (!pathname.startsWith('/')) {
    return new AppError('bad_request', 'This address is not valid: it must be a path starting with "/".');
  }
  if (!decodes(pathname)) {
    return new AppError('bad_request', 'This address is not valid: it has a broken %-escape.');
  }
  // Pages take writes only as server actions (which carry Next-Action); the app has no native
  // form posts, so a POST to a page is someone feeding Next's form-action decoder (a 500).
  const write = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  if (write && !pathname.startsWith('/api/') && req.headers['next-action'] === undefined) {
    return new AppError('method_not_allowed', `This page does not answer ${method} requests.`, {
      allow: 'GET, HEAD, OPTIONS',
    });
  }
  const action = req.headers['next-action'];
  if (action !== undefined && !(typeof action === 'string' && ACTION_ID.test(action))) {
    return new AppError('bad_request', 'This server action id is not valid. Reload the page and try again.');
  }
  const cookie = header(req.headers.cookie) ?? '';
  if (SESSION_COOKIE.test(cookie) || req.headers['next-action'] !== undefined) {
    const refusal = crossSiteRefusal(
      {
        method,
        secFetchSite: header(req.headers['sec-fetch-site']),
        origin: header(req.headers.origin),
        host: header(req.headers.host),
        forwardedHost: header(req.headers['x-forwarded-host']),
      },
      policy,
    );
    if (refusal) {
      return new AppError(
        'forbidden',
        'This request came from another site, so it cannot use the admin session. Use the admin pages or an API token.',
      );
    }
  }
  return null;
}

function decodes(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
