// What one client may hold of the front server: its request head must arrive within
// HEADERS_TIMEOUT (Node's own check, see front-server.ts), a request body that sends nothing
// for BODY_IDLE_TIMEOUT is cut, and at most MAX_CONNECTIONS_PER_CLIENT requests per client IP
// are in progress at once. See README, Security: Slow clients and connection limits.
import type http from 'node:http';
import { sendErrorNode } from '../download';
import { AppError } from '../errors';

/** Seconds a refused client is asked to wait (Retry-After). */
const RETRY_AFTER_SECONDS = 5;

/**
 * Counts the requests in progress per client IP (resolved with TRUST_PROXY once the head is
 * read, so a trusted proxy's connections count for the clients behind it, not for the proxy).
 * Without pipelining (which Node serves one at a time) that is the connections a client has
 * busy; idle keep-alive connections hold nothing and end after the keep-alive timeout.
 */
export function createClientLimiter(maxPerClient: number) {
  const active = new Map<string, number>();
  return {
    /** Takes a slot for `clientIp` until the response closes; false (and a 429 sent) when full. */
    admit(clientIp: string, req: http.IncomingMessage, res: http.ServerResponse): boolean {
      const count = active.get(clientIp) ?? 0;
      if (count >= maxPerClient) {
        res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
        res.setHeader('Connection', 'close');
        sendErrorNode(
          res,
          new AppError(
            'rate_limited',
            'Too many requests from your address at once. Wait for some to finish, then try again.',
            { retryAfterSeconds: RETRY_AFTER_SECONDS },
          ),
          req.headers.accept,
        );
        return false;
      }
      active.set(clientIp, count + 1);
      res.once('close', () => {
        const left = (active.get(clientIp) ?? 1) - 1;
        if (left <= 0) active.delete(clientIp);
        else active.set(clientIp, left);
      });
      return true;
    },
    /** Requests in progress for `clientIp` (for tests and diagnostics). */
    count: (clientIp: string) => active.get(clientIp) ?? 0,
  };
}

/**
 * Cuts the request's body if nothing of it arrives for `idleMs`: a 408 if nothing was answered
 * yet, and the connection closes. A body that keeps moving is never cut, however long it takes.
 */
export function limitBodyIdle(req: http.IncomingMessage, res: http.ServerResponse, idleMs: number) {
  if (!hasBody(req)) return;
  const socket = req.socket;
  // Node emits 'timeout' on the request only while its body is incomplete; the socket's own
  // timer is reset by every byte that arrives (or leaves).
  req.setTimeout(idleMs, () => {
    if (res.headersSent) {
      socket.destroy();
      return;
    }
    res.setHeader('Connection', 'close');
    sendErrorNode(
      res,
      new AppError('request_timeout', 'The request body stopped arriving, so the server stopped waiting for it.'),
      req.headers.accept,
    );
    // Nothing more will be read: once the answer is out, the connection goes.
    res.once('finish', () => socket.destroySoon());
  });
  // Past the body the socket has no idle limit of ours (Node sets the keep-alive one after the
  // answer); a body already answered (early 401, 413) closes with its connection.
  req.once('end', () => {
    if (!res.writableEnded) socket.setTimeout(0);
  });
}

/** Whether the request announces a body (a length other than 0, or chunked). */
export function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
