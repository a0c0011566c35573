// next-auth's handler, with what it cannot do itself:
// - sign-in: the form must be a plain urlencoded form with exactly one of each field (next-auth
//   would take the last of two usernames), and one attempt is counted against the limits
//   (lib/auth/sign-in.ts) before any password is checked; refused with 400/429 and the usual
//   error JSON. A successful sign-in refunds its attempt.
// - sign-out: ends that session for good (its id is recorded as ended), audited with the IP.
// - any path or body it cannot read (JSON included, which next-auth would try to parse) is a
//   4xx, never a 5xx.
import NextAuth from 'next-auth';
import { recordAudit } from '@/lib/audit';
import { authOptions } from '@/lib/auth/auth-options';
import { endSession, readSession, SECURE_SESSION_COOKIE, SESSION_COOKIE } from '@/lib/auth/session';
import { beginSignInAttempt } from '@/lib/auth/sign-in';
import { AppError, errorBody, retryAfterHeader, toAppError } from '@/lib/errors';
import { clientIpFromHeaders } from '@/lib/http/request-ip';

type Context = { params: Promise<{ nextauth: string[] }> };

// A sign-in form is a few hundred bytes.
const MAX_FORM_BYTES = 16 * 1024;

function handler(request: Request, context: Context): Promise<Response> {
  return NextAuth(request as never, context as never, authOptions()) as Promise<Response>;
}

function errorResponse(error: unknown): Response {
  const appError = toAppError(error);
  if (appError.code === 'internal') console.error('[auth]', error instanceof Error ? error.message : error);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...retryAfterHeader(appError) };
  const expire = appError.details?.expireCookie;
  if (typeof expire === 'string') {
    const secure = expire.startsWith('__Secure-') ? '; Secure' : '';
    headers['Set-Cookie'] = `${expire}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`;
  }
  return Response.json(errorBody(appError), { status: appError.status, headers });
}

// next-auth reads only the first two path segments (`callback/credentials/x` is the credentials
// callback to it), so every check below would be skipped by an extra segment. Only the exact
// actions this app uses are passed on; any other spelling is a 404.
const ONE_SEGMENT = new Set(['csrf', 'session', 'providers', 'signin', 'signout', 'error', '_log']);
const TWO_SEGMENTS = new Set(['signin/credentials', 'callback/credentials']);

/**
 * The action path (`callback/credentials`, `signout`, ...), or a 400 when the address cannot
 * be read (broken percent-encoding in the path or the query, which next-auth would answer 500),
 * a 404 for a path next-auth would read as another one.
 */
async function actionOf(request: Request, context: Context): Promise<string> {
  let action: string;
  try {
    const { nextauth } = await context.params;
    const { pathname, search } = new URL(request.url);
    decodeURIComponent(pathname);
    decodeURIComponent(search.replace(/\+/g, ' '));
    action = nextauth.join('/');
  } catch {
    throw new AppError('bad_request', 'This address is not valid.');
  }
  if (!ONE_SEGMENT.has(action) && !TWO_SEGMENTS.has(action)) throw new AppError('not_found', 'Not found.');
  return action;
}

/** next-auth's own test of a callback URL; what fails it makes next-auth answer 500. */
function isHttpUrl(value: string, base: string): boolean {
  try {
    return /^https?:$/.test(new URL(value, value.startsWith('/') ? base : undefined).protocol);
  } catch {
    return false;
  }
}

const CALLBACK_COOKIES = ['next-auth.callback-url', '__Secure-next-auth.callback-url'];

/**
 * What next-auth would answer 500 to: a `callbackUrl` in the query that is not an http(s) URL
 * is a 400; so is a callback-url cookie that is not one (planted by a sibling site, say), and
 * that answer expires the cookie, so the next try works. (next-auth reads the cookies through
 * `next/headers`, so a rewritten request would not hide the cookie from it.)
 */
function assertReadableCallback(request: Request): void {
  const url = new URL(request.url);
  const callbackUrl = url.searchParams.get('callbackUrl');
  if (callbackUrl !== null && !isHttpUrl(callbackUrl, url.origin)) {
    throw new AppError('bad_request', 'The callbackUrl is not a valid address.');
  }
  for (const pair of (request.headers.get('cookie') ?? '').split(/;\s*/)) {
    const at = pair.indexOf('=');
    const name = at === -1 ? pair : pair.slice(0, at);
    if (!CALLBACK_COOKIES.includes(name)) continue;
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(at + 1));
    } catch {
      value = '';
    }
    if (!isHttpUrl(value, url.origin)) {
      throw new AppError('bad_request', 'A stored sign-in address was not valid and has been removed. Try again.', {
        expireCookie: name,
      });
    }
  }
}

/** The sign-in form, read once: exactly one username and one password, nothing repeated. */
function formType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

async function readSignInForm(request: Request): Promise<{ username: string }> {
  if (formType(request) !== 'application/x-www-form-urlencoded') {
    throw new AppError('bad_request', 'Send the sign-in as a form (application/x-www-form-urlencoded).');
  }
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_FORM_BYTES) throw new AppError('payload_too_large', 'The sign-in form is too large.');
  const text = await request.clone().text();
  if (text.length > MAX_FORM_BYTES) throw new AppError('payload_too_large', 'The sign-in form is too large.');
  const form = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const key of form.keys()) {
    if (seen.has(key)) throw new AppError('bad_request', `The sign-in form has more than one "${key}" field.`);
    seen.add(key);
  }
  const username = form.get('username');
  if (username === null || form.get('password') === null) {
    throw new AppError('bad_request', 'The sign-in form needs a username and a password.');
  }
  return { username };
}

/** The session cookies next-auth's answer sets, name and value. */
function sessionCookies(response: Response): string[] {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .filter((pair) => [SESSION_COOKIE, SECURE_SESSION_COOKIE].includes(pair.slice(0, pair.indexOf('='))));
}

/** True when next-auth's answer sets a (non-empty) session cookie: the sign-in succeeded. */
function setsSession(response: Response): boolean {
  return sessionCookies(response).some((pair) => !pair.endsWith('='));
}

/** True when next-auth's answer clears the session cookie: the sign-out was accepted. */
function clearsSession(response: Response): boolean {
  return sessionCookies(response).some((pair) => pair.endsWith('='));
}

export async function GET(request: Request, context: Context) {
  try {
    const action = await actionOf(request, context);
    assertReadableCallback(request);
    // next-auth throws (500) for a credentials callback by GET: sign-ins are POSTed forms.
    if (action === 'callback/credentials') throw new AppError('bad_request', 'Sign in with a POSTed form.');
    // next-auth copies `error` into a Location header, which cannot hold other characters (500).
    const error = new URL(request.url).searchParams.get('error');
    if (action === 'error' && error !== null && !/^[A-Za-z]{0,64}$/.test(error)) {
      throw new AppError('bad_request', 'This address is not valid.');
    }
    return await handler(request, context);
  } catch (error) {
    return errorResponse(error);
  }
}

export async function POST(request: Request, context: Context) {
  try {
    const action = await actionOf(request, context);
    assertReadableCallback(request);
    const ip = clientIpFromHeaders(request.headers);
    // next-auth parses the body as JSON whenever the Content-Type merely contains
    // `application/json` (`...urlencoded; charset=application/json` included), which would
    // skip the form checks below; its own forms are plain urlencoded.
    const contentType = (request.headers.get('content-type') ?? '').toLowerCase();
    if (
      contentType.includes('json') ||
      (request.body !== null && formType(request) !== 'application/x-www-form-urlencoded')
    ) {
      throw new AppError('bad_request', 'Send a form (application/x-www-form-urlencoded).');
    }

    if (action === 'callback/credentials') {
      const { username } = await readSignInForm(request);
      const attempt = await beginSignInAttempt({ username, ip });
      const response = await handler(request, context);
      await attempt.finish(setsSession(response));
      return response;
    }

    if (action === 'signout') {
      const session = await readSession(request.headers.get('cookie'));
      const response = await handler(request, context);
      if (session && clearsSession(response)) {
        await endSession(session.sid);
        await recordAudit({ action: 'logout', actor: { user: session.username, ip } });
      }
      return response;
    }

    return await handler(request, context);
  } catch (error) {
    return errorResponse(error);
  }
}
