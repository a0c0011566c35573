// Passes a request to the Next server and its answer back, streaming both ways. The client IP
// this front server resolved travels in a header only the two processes can vouch for.
import http from 'node:http';
import { CLIENT_IP_HEADER, INTERNAL_SECRET_HEADER } from '../http/client-ip';

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

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function proxyToNext(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upstream: NextUpstream,
  clientIp: string,
) {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (name === CLIENT_IP_HEADER || name === INTERNAL_SECRET_HEADER) continue; // never trust a client's copy
    headers[name] = value;
  }
  headers[CLIENT_IP_HEADER] = clientIp;
  headers[INTERNAL_SECRET_HEADER] = upstream.secret;

  // A request without a body that failed on a reused keep-alive socket (Next closed it just as
  // it was reused: ECONNRESET) is sent once more on a fresh one, as Node's docs advise; nothing
  // of it had reached Next. Requests with a body are not replayed.
  const replayable = (req.method === 'GET' || req.method === 'HEAD') && !req.headers['content-length'];
  const send = (retried: boolean) => {
    const upstreamRequest = http.request(
      { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (upstreamResponse) => {
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
    // A client that goes away mid-upload stops the upstream request too.
    req.on('aborted', () => upstreamRequest.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstreamRequest.destroy();
    });
    if (retried) upstreamRequest.end();
    else req.pipe(upstreamRequest);
  };
  send(false);
}
