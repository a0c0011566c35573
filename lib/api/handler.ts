// The one wrapper for /api/v1 route handlers: authenticates by API token (Authorization:
// Bearer) or admin session, rejects cross-site writes made with a session cookie, resolves
// params, and maps every failure to {"error":{"code","message"}} with the fitting status.
import 'server-only';
import { errorBody, retryAfterHeader, toAppError } from '../errors';
import { clientIpFromHeaders } from '../http/request-ip';
import { authenticateCaller, type ApiCaller } from './authenticate';

export type { ApiCaller };

export type ApiContext<P> = { request: Request; params: P; caller: ApiCaller };

type RouteContext<P> = { params: Promise<P> };

export function apiHandler<P = Record<string, string | string[] | undefined>>(
  handler: (context: ApiContext<P>) => Promise<unknown>,
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
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...retryAfterHeader(appError) };
  if (appError.code === 'unauthorized') headers['WWW-Authenticate'] = 'Bearer';
  return Response.json(errorBody(appError), { status: appError.status, headers });
}

function authenticate(request: Request): Promise<ApiCaller> {
  return authenticateCaller({
    method: request.method,
    authorization: request.headers.get('authorization'),
    cookie: request.headers.get('cookie'),
    from: {
      secFetchSite: request.headers.get('sec-fetch-site'),
      origin: request.headers.get('origin'),
      host: request.headers.get('host'),
      forwardedHost: request.headers.get('x-forwarded-host'),
    },
    ip: clientIpFromHeaders(request.headers),
  });
}
