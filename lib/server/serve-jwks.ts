// GET /.well-known/jwks.json: the public keys of the ring (EdDSA only; empty for HS256), so a
// download-only process or a third party verifies links without any private key.
import type http from 'node:http';
import { publicJwks } from '../keys';

export async function serveJwks(req: http.IncomingMessage, res: http.ServerResponse) {
  try {
    const body = JSON.stringify(await publicJwks());
    res.writeHead(200, {
      'Content-Type': 'application/jwk-set+json',
      'Content-Length': Buffer.byteLength(body),
      // Short: a rotation must reach verifiers well within the overlap.
      'Cache-Control': 'public, max-age=300',
      'X-Content-Type-Options': 'nosniff',
      'Access-Control-Allow-Origin': '*',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    console.error('[jwks]', error);
    res.writeHead(503, { 'Content-Type': 'application/json' });
    res.end('{"error":{"code":"unavailable","message":"The key ring is not available."}}');
  }
}
