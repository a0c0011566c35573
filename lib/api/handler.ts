// The one wrapper for /api/v1 route handlers: authenticates by API token (Authorization:
// Bearer) or admin session, rejects cross-site writes made with a session cookie, resolves
// params, and maps every failure to {"error":{"code","message"}} with the fitting status.
import 'server-only';
import type { Actor } from '../audit';
import { authenticateApiToken } from '../auth/api-tokens';
import { readSession } from '../auth/session';
import { AppError, errorBody, toAppError } from '../errors';
import { clientIpFromHeaders } from '../http/request-ip';

export type ApiCaller = {
  userId: string;
  username: string;
  via: 'session' | 'token';
  actor: Actor;
};

export type ApiContext<P> = { request: Request; params: P; caller: ApiCaller };

type RouteContext<P> = { params: Promise<P> };

export function apiHandler<P = Record<string, string | string[] | undefined>>(
  handler: (context: ApiContext<P>) => Promise<Response | unknown>,
) {
  return async (request: Request, route: RouteContext<P>): Promise<Response> => {
    try {
      const caller = await authenticate(request);
      const params = (await route?.params) ?? ({} as P);
      const result = await handler({ request, params, caller });
      if (result instanceof Response) return result;
      return Response.json(result, { headers: { 'Cache-Control': 'no-store' } });
    } catch (error) {
      return apiErrorResponse(error);
    }
  };
}

export function apiErrorResponse(error: unknown): Response {
  const appError = toAppError(error);
  if (appError.code === 'internal') console.error('[api]', error);
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (appError.code === 'unauthorized') headers['WWW-Authenticate'] = 'Bearer';
  return Response.json(errorBody(appError), { status: appError.status, headers });
}

async function authenticate(request: Request): Promise<ApiCaller> {
  const ip = clientIpFromHeaders(request.headers);
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const found = match ? await authenticateApiToken(match[1]) : null;
    if (!found) throw new AppError('unauthorized', 'The API token is missing, expired, revoked or not valid.');
    const { token, user } = found;
    return {
      userId: user.id,
      username: user.username,
      via: 'token',
      actor: { user: `${user.username} (token: ${token.name})`, ip },
    };
  }
  const session = await readSession(request.headers.get('cookie'));
  if (!session) throw new AppError('unauthorized', 'Sign in or send an API token (Authorization: Bearer <token>).');
  const writes = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
  if (writes && request.headers.get('sec-fetch-site') === 'cross-site') {
    throw new AppError('forbidden', 'Cross-site requests cannot use the admin session.');
  }
  return { userId: session.userId, username: session.username, via: 'session', actor: { user: session.username, ip } };
}
