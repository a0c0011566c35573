// The bare-Node floor of the benchmark: the least a signed download can cost in Node. It does
// what a share link download must do (verify an HS256 JWS from `?t=`, check its subject, stat
// the file for Content-Length, stream it in 1 MiB reads with stream.pipeline) and nothing else:
// no database, no audit, no framework. POST /upload is the same floor for uploads: a multipart
// body parsed with busboy, the file part written to FLOOR_UPLOAD_DIR and fsynced, then 201.
// Env: FLOOR_PORT, FLOOR_ROOT (directory of files named by id), FLOOR_SECRET (HS256 key),
// FLOOR_UPLOAD_DIR.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import busboy from 'busboy';
import { jwtVerify } from 'jose';

const root = path.resolve(process.env.FLOOR_ROOT ?? '.');
const secret = new TextEncoder().encode(process.env.FLOOR_SECRET ?? '');
if (secret.length < 32) throw new Error('FLOOR_SECRET must be at least 32 bytes');
// Imported once, like the server's key ring: given the raw bytes, jose would import them on
// every verification.
const key = await crypto.webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
  'verify',
]);

const server = http.createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/upload') return receiveUpload(req, res);
  const url = new URL(req.url ?? '/', 'http://floor');
  const id = url.pathname.slice(1);
  try {
    const { payload } = await jwtVerify(url.searchParams.get('t') ?? '', key, { algorithms: ['HS256'] });
    if (payload.sub !== id || id.includes('/') || id.startsWith('.')) throw new Error('wrong file');
  } catch {
    res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden\n');
    return;
  }
  const file = path.join(root, id);
  fs.stat(file, (error, stat) => {
    if (error || !stat.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': stat.size });
    if (req.method === 'HEAD') return res.end();
    if (stat.size === 0) return res.end();
    // `end` known: a small file is one read of its size, not a 1 MiB buffer and a second read for EOF.
    pipeline(fs.createReadStream(file, { start: 0, end: stat.size - 1, highWaterMark: 1024 * 1024 }), res, () => {});
  });
});
function receiveUpload(req, res) {
  const fail = (error) => {
    if (!res.headersSent)
      res.writeHead(400, { 'Content-Type': 'text/plain', Connection: 'close' }).end(`${error.message}\n`);
  };
  let parser;
  try {
    parser = busboy({ headers: req.headers });
  } catch (error) {
    return fail(error);
  }
  parser.on('file', (_field, stream) => {
    const file = path.join(process.env.FLOOR_UPLOAD_DIR ?? '.', `upload-${crypto.randomBytes(6).toString('hex')}`);
    const out = fs.createWriteStream(file, { highWaterMark: 1024 * 1024 });
    pipeline(stream, out, (error) => {
      if (error) return fail(error);
      // Like the server's upload path: the bytes are on disk before the answer.
      fs.open(file, 'r+', (openError, fd) => {
        if (openError) return fail(openError);
        fs.fsync(fd, () =>
          fs.close(fd, () => {
            res.writeHead(201, { 'Content-Type': 'application/json' }).end('{}');
            fs.rm(file, () => {});
          }),
        );
      });
    });
  });
  parser.on('error', fail);
  req.pipe(parser);
}

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1', () => console.log('floor ready'));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
