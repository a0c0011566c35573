// Cross-site request forgery: may a state-changing request that carries the admin session cookie
// act with it? Browsers say where a request comes from in `Sec-Fetch-Site` (all current ones)
// and `Origin`; a request with neither is not from a browser page, so it cannot ride on a
// visitor's cookie. Used by the front server (every cookie-carrying write, server actions
// included), the /api/v1 wrapper and the tus route.
import { AppError } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type RequestOrigin = {
  method: string;
  secFetchSite: string | null | undefined;
  origin: string | null | undefined;
  /** The request's Host header. */
  host: string | null | undefined;
  /** X-Forwarded-Host; only trusted when `trustProxy` > 0. */
  forwardedHost: string | null | undefined;
};

export type OriginPolicy = { trustProxy: number; publicUrl: string };

/**
 * null when the request may use the session; otherwise why not. Rules, in order:
 * safe methods pass; `Sec-Fetch-Site: same-origin` passes; `cross-site`, `same-site` and any
 * value a browser never sends are refused; otherwise (no header, or `none`) the `Origin` decides: absent passes (not a browser
 * page), `null` is refused, and a host equal to the request's Host (X-Forwarded-Host behind a
 * trusted proxy) or to PUBLIC_URL's host passes.
 */
export function crossSiteRefusal(request: RequestOrigin, policy: OriginPolicy): string | null {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return null;
  const site = request.secFetchSite?.trim().toLowerCase();
  if (site === 'same-origin') return null;
  if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site: ${site}`;
  // A browser sends one of four values; anything else (two headers joined, garbage) is not one.
  if (site && site !== 'none') return 'an unknown Sec-Fetch-Site';
  if (request.origin === undefined || request.origin === null) return null;
  const origin = request.origin.trim();
  if (!origin) return 'an empty Origin';
  if (origin === 'null') return 'Origin: null';
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return 'a malformed Origin';
  }
  const allowed = new Set<string>();
  const host = firstValue(policy.trustProxy > 0 ? request.forwardedHost || request.host : request.host);
  if (host) allowed.add(host.toLowerCase());
  try {
    allowed.add(new URL(policy.publicUrl).host.toLowerCase());
  } catch {
    // PUBLIC_URL is validated at start; nothing to add when it is not a URL.
  }
  return allowed.has(originHost) ? null : 'a foreign Origin';
}

/** Throws 403 `forbidden` when `crossSiteRefusal` refuses the request. */
export function assertNotCrossSite(request: RequestOrigin, policy: OriginPolicy): void {
  if (crossSiteRefusal(request, policy)) {
    throw new AppError(
      'forbidden',
      'This request came from another site, so it cannot use the admin session. Use the admin pages or an API token.',
    );
  }
}

function firstValue(value: string | null | undefined): string | undefined {
  // A proxy chain may send `a, b`: the first is the host the browser used.
  return value?.split(',')[0]?.trim() || undefined;
}
