// Passes a request to the Next server and its answer back. The client IP this front server
// resolved travels in a header only the two processes can vouch for.
//
// A socket to Next is taken only once it can be used at full speed: a request body (a sign-in
// form, a server action, a JSON API call) is read here first, up to NEXT_BODY_LIMIT, and sent
// in one piece, so a client trickling its body holds only its own connection, never one of the
// sockets every other visitor needs. The one large body Next takes, a resumable (tus) upload
// chunk of up to UPLOAD_CHUNK_SIZE, streams through, on a pool of its own: Next authenticates
// it before it reads the body, so a stranger's chunk is answered 401 at once and its socket
// freed; slow uploads of signed-in users can fill only that pool.
import http from 'node:http';
import { sendErrorNode } from '../download';
import { AppError } from '../errors';
import { CLIENT_IP_HEADER, INTERNAL_SECRET_HEADER } from '../http/client-ip';
import { hasBody } from './client-limits';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export type NextUpstream = { host: string; port: number; secret: string };

/** The largest body read before it goes to Next (Next's own limit for server actions is 1 MB). */
export const NEXT_BODY_LIMIT = 1024 * 1024;

/** All bodies being read at once hold at most this much memory; past it new ones get 503. */
const BUFFERED_LIMIT = 64 * 1024 * 1024;
let buffered = 0;

// Idle sockets go after 30 s, well before Next closes them (75 s, lib/server/start-next.ts).
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 30_000 });
/** Streamed resumable-upload chunks; kept apart so they can never take the pages' sockets. */
const uploadAgent = new http.Agent({ keepAlive: true, maxSockets: 32, timeout: 30_000 });

export function proxyToNext(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: NextUpstream,
  clientIp: string,
  pathname: string,
) {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (name === CLIENT_IP_HEADER || name === INTERNAL_SECRET_HEADER) continue; // never trust a client's copy
    headers[name] = value;
  }
  headers[CLIENT_IP_HEADER] = clientIp;
  headers[INTERNAL_SECRET_HEADER] = upstream.secret;

  if (!hasBody(req)) {
    forward(req, res, upstream, headers, agent, null);
  } else if (isUploadChunk(req, pathname)) {
    forward(req, res, upstream, headers, uploadAgent, 'stream');
  } else {
    readBody(req, res, (body) => {
      headers['content-length'] = String(body.length);
      forward(req, res, upstream, headers, agent, body);
    });
  }
}

/** A tus PATCH (or a creation-with-upload POST): its body is file data for /api/uploads. */
function isUploadChunk(req: http.IncomingMessage, pathname: string): boolean {
  if (pathname !== '/api/uploads' && !pathname.startsWith('/api/uploads/')) return false;
  const type = req.headers['content-type']?.split(';')[0].trim().toLowerCase();
  return req.method === 'PATCH' || (req.method === 'POST' && type === 'application/offset+octet-stream');
}

/** Reads the whole body (at most NEXT_BODY_LIMIT bytes; more is a 413 and the connection closes). */
function readBody(req: http.IncomingMessage, res: http.ServerResponse, done: (body: Buffer) => void) {
  const refuse = (error: AppError) => {
    res.setHeader('Connection', 'close');
    if (error.code === 'unavailable') res.setHeader('Retry-After', '5');
    sendErrorNode(res, error, req.headers.accept);
  };
  const tooLarge = new AppError(
    'payload_too_large',
    'This request body is too large. Upload files with the upload API.',
  );
  if (Number(req.headers['content-length']) > NEXT_BODY_LIMIT) return refuse(tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  let held = 0;
  const release = () => {
    buffered -= held;
    held = 0;
  };
  const stop = (error: AppError) => {
    req.off('data', onData);
    req.off('end', onEnd);
    chunks.length = 0;
    release();
    refuse(error);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > NEXT_BODY_LIMIT) return stop(tooLarge);
    if (buffered + chunk.length > BUFFERED_LIMIT) {
      return stop(new AppError('unavailable', 'The server is busy. Try again in a moment.'));
    }
    buffered += chunk.length;
    held += chunk.length;
    chunks.push(chunk);
  };
  const onEnd = () => {
    release();
    // Cut while it was arriving (the idle timeout answered), or the client went away.
    if (res.headersSent || res.destroyed) return;
    done(Buffer.concat(chunks, size));
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.once('close', release);
}

function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: NextUpstream,
  headers: http.OutgoingHttpHeaders,
  pool: http.Agent,
  body: Buffer | 'stream' | null,
) {
  // A request without a body that failed on a reused keep-alive socket (Next closed it just as
  // it was reused: ECONNRESET) is sent once more on a fresh one, as Node's docs advise; nothing
  // of it had reached Next. Requests with a body are not replayed.
  const replayable = (req.method === 'GET' || req.method === 'HEAD') && body === null;
  const send = (retried: boolean) => {
    const upstreamRequest = http.request(
      { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent: pool },
      (upstreamResponse) => {
        // This front server already answered (the body stopped arriving: 408): drop Next's answer.
        if (res.headersSent) {
          upstreamRequest.destroy();
          return;
        }
        const responseHeaders: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upstreamResponse.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) responseHeaders[name] = value;
        }
        // Next answered before the whole body arrived (413, 409, 401 on an upload): close the
        // connection after the answer instead of reading the rest of the body.
        if (!req.complete) responseHeaders.connection = 'close';
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, responseHeaders);
        upstreamResponse.pipe(res);
        upstreamResponse.on('error', () => res.destroy());
      },
    );
    upstreamRequest.on('error', (error: NodeJS.ErrnoException) => {
      if (!retried && replayable && upstreamRequest.reusedSocket && error.code === 'ECONNRESET' && !res.headersSent) {
        send(true);
      } else if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end('The application server is not answering. Try again in a moment.\n');
      } else if (!res.writableFinished) {
        res.destroy();
      }
    });
    // A client that goes away mid-upload, or an answer that ends before the body was all
    // passed on (Next refused it early; the idle timeout cut it), frees the socket to Next.
    req.on('aborted', () => upstreamRequest.destroy());
    res.on('close', () => {
      if (!res.writableFinished || !upstreamRequest.writableFinished) upstreamRequest.destroy();
    });
    if (body === 'stream' && !retried) req.pipe(upstreamRequest);
    else upstreamRequest.end(body ?? undefined);
  };
  send(false);
}
