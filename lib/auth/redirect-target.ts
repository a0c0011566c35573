// Where to send someone after signing in: only to a path of this server. The value is read as
// a browser would read it (WHATWG URL parsing against the own origin, which drops tab, CR and
// LF and turns `\` into `/`), so anything carrying control characters or backslashes is refused
// outright, and what remains must resolve to the own origin with a path that is not itself
// protocol-relative (`//host`). Anything else gives the default, never an error.
export const DEFAULT_AFTER_SIGN_IN = '/admin';

const MAX_LENGTH = 2048;
// C0 controls, DEL, the backslash, and the C1 controls.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\\]/;

export function safeRedirectTarget(value: unknown, ownOrigin: string, { absolute = false } = {}): string {
  let origin: URL;
  try {
    origin = new URL(ownOrigin);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  const fallback = absolute ? `${origin.origin}${DEFAULT_AFTER_SIGN_IN}` : DEFAULT_AFTER_SIGN_IN;
  if (typeof value !== 'string' || !value || value.length > MAX_LENGTH) return fallback;
  if (FORBIDDEN.test(value) || value.trim() !== value) return fallback;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin.origin || url.username || url.password) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!path.startsWith('/') || path.startsWith('//')) return fallback;
  return absolute ? `${origin.origin}${path}` : path;
}
