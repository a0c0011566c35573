// POST /api/v1/files on the front server: the request body streams from the client's socket
// straight into busboy and the temp file, without the hop through Next (measured: the proxy
// and Next's body handling cost most of the upload speed; see README, Performance). The Next
// route handler app/api/v1/files/route.ts stays as the adapter for `next dev`.
import type http from 'node:http';
import { authenticateCaller } from '../api/authenticate';
import { errorBody, toAppError } from '../errors';
import { receiveMultipartUpload, searchParamsToObject, serializeFile, uploadQuerySchema } from '../files';

export async function serveUpload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  searchParams: URLSearchParams,
  clientIp: string,
) {
  try {
    const caller = await authenticateCaller({
      method: 'POST',
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
      from: {
        secFetchSite: header(req.headers['sec-fetch-site']),
        origin: header(req.headers.origin),
        host: header(req.headers.host),
        forwardedHost: header(req.headers['x-forwarded-host']),
      },
      ip: clientIp,
    });
    const { visibility, replace } = uploadQuerySchema.parse(searchParamsToObject(searchParams));
    const records = await receiveMultipartUpload({
      headers: { 'content-type': req.headers['content-type'], 'content-length': req.headers['content-length'] },
      body: req,
      visibility,
      replace,
      actor: caller.actor,
    });
    const files = records.map(serializeFile);
    // One file: the file object, as PRODUCT.md says; several `file` parts: all of them.
    send(res, 201, files.length === 1 ? files[0] : { items: files }, false);
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'internal') console.error('[upload]', error);
    // The body may be only partly read (413, 409, 401): close instead of reading the rest.
    const retryAfter = appError.details?.retryAfterSeconds;
    send(res, appError.status, errorBody(appError), !req.complete, typeof retryAfter === 'number' ? retryAfter : null);
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  close: boolean,
  retryAfter: number | null = null,
) {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  if (close) headers.Connection = 'close';
  if (retryAfter !== null) headers['Retry-After'] = String(retryAfter);
  res.writeHead(status, headers);
  res.end(text);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
