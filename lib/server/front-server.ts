// The public HTTP server: plain Node, no Next loaded. It answers downloads, share links (and
// their landing page), the JWKS and single-request uploads itself, from the same lib/ core the
// Next route handlers use, and passes everything else to the Next server. Without an upstream
// it runs alone as a download service and answers other paths 404.
import http from 'node:http';
import { isDownloadPath } from '../delivery/resolve-download';
import { notFound, sendErrorNode } from '../download';
import { isReservedPath } from '../files/reserved-paths';
import { resolveClientIp } from '../http/client-ip';
import { proxyToNext, type NextUpstream } from './proxy';
import { serveDownload } from './serve-download';
import { serveHealth } from './serve-health';
import { serveJwks } from './serve-jwks';
import { ALLOWED_METHODS, refuseRequest } from './request-gate';
import { serveUpload } from './serve-upload';
import { createClientLimiter, limitBodyIdle } from './client-limits';

export type FrontServerOptions = {
  upstream: NextUpstream | null;
  trustProxy: number;
  publicUrl: string;
  /** HEADERS_TIMEOUT, BODY_IDLE_TIMEOUT, MAX_CONNECTIONS_PER_CLIENT (lib/env). */
  limits: { headersTimeoutMs: number; bodyIdleTimeoutMs: number; maxConnectionsPerClient: number };
};

export function createFrontServer({ upstream, trustProxy, publicUrl, limits }: FrontServerOptions): http.Server {
  const clients = createClientLimiter(limits.maxConnectionsPerClient);
  const handler: http.RequestListener = (req, res) => {
    const clientIp = resolveClientIp({
      socketAddress: req.socket.remoteAddress,
      forwardedFor: req.headers['x-forwarded-for'],
      realIp: req.headers['x-real-ip'],
      trustProxy,
    });
    if (!clients.admit(clientIp, req, res)) return;
    limitBodyIdle(req, res, limits.bodyIdleTimeoutMs);
    // The raw path, not `new URL(...).pathname`: that would resolve `%2e%2e` into `..`.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = () => new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));

    const refusal = refuseRequest(req, pathname, { trustProxy, publicUrl });
    if (refusal) {
      if (refusal.code === 'method_not_allowed') {
        const allow = refusal.details?.allow;
        res.setHeader('Allow', typeof allow === 'string' ? allow : ALLOWED_METHODS.join(', '));
      }
      // The body may be unread: answer and close rather than read what we refused.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendErrorNode(res, refusal, req.headers.accept);
      return;
    }

    if ((req.method === 'GET' || req.method === 'HEAD') && isDownloadPath(pathname, isReservedPath)) {
      void serveDownload(req, res, { pathname, searchParams: query() }, clientIp);
    } else if (pathname === '/api/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      void serveHealth(req, res);
    } else if (pathname === '/.well-known/jwks.json') {
      void serveJwks(req, res);
    } else if (req.method === 'POST' && pathname === '/api/v1/files' && upstream) {
      void serveUpload(req, res, query(), clientIp);
    } else if (upstream) {
      proxyToNext(req, res, upstream, clientIp, pathname);
    } else {
      sendErrorNode(res, notFound(), req.headers.accept);
    }
  };
  const server = http.createServer(
    {
      // A request head must be complete within HEADERS_TIMEOUT (Node answers 408 and closes),
      // checked this often (Node's default, 30 s, would let a 2 s limit run to 32 s).
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
      // No limit on a whole request: uploads of many GiB take as long as they take, as long as
      // they keep moving (BODY_IDLE_TIMEOUT, lib/server/client-limits.ts).
      requestTimeout: 0,
    },
    handler,
  );
  server.keepAliveTimeout = 65_000;
  return server;
}
