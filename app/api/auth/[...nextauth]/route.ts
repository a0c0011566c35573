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
import { AppError, errorBody, toAppError } from '@/lib/errors';
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
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  const retry = appError.details?.retryAfterSeconds;
  if (appError.code === 'rate_limited') headers['Retry-After'] = String(Number(retry ?? 60));
  return Response.json(errorBody(appError), { status: appError.status, headers });
}

/**
 * The action path (`callback/credentials`, `signout`, ...), or a 400 when the address cannot
 * be read (broken percent-encoding in the path or the query, which next-auth would answer 500).
 */
async function actionOf(request: Request, context: Context): Promise<string> {
  try {
    const { nextauth } = await context.params;
    const { pathname, search } = new URL(request.url);
    decodeURIComponent(pathname);
    decodeURIComponent(search.replace(/\+/g, ' '));
    return nextauth.join('/');
  } catch {
    throw new AppError('bad_request', 'This address is not valid.');
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
    const ip = clientIpFromHeaders(request.headers);
    // next-auth would also parse JSON (and answer 500 to broken JSON); its forms are urlencoded.
    if (request.body !== null && formType(request) !== 'application/x-www-form-urlencoded') {
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
