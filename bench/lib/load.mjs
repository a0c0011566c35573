// The load generators: autocannon for request rates and latencies, plain Node clients for the
// single-connection transfers (they count bytes and time, nothing else).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';

/**
 * autocannon against one URL: { rps, p50, p99, requests, non2xx, errors }. rps counts 2xx
 * answers per second of the run; a run with any non-2xx answer or error is reported as such
 * (the caller fails the benchmark: it would be measuring an error page).
 */
export async function hammer({ url, connections = 64, duration = 10, headers = {}, method = 'GET' }) {
  const result = await autocannon({ url, connections, duration, headers, method, pipelining: 1, timeout: 30 });
  const ok = result['2xx'] ?? 0;
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    /** e.g. { 200: 5012, 500: 1 }: what the non-2xx answers were. */
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
    ),
  };
}

/**
 * Downloads `url` on one fresh connection, counting bytes: { bytes, seconds, mbps,
 * contentLength }. Rejects unless the status is 200 and every expected byte arrived.
 */
export function download(url, expectedBytes) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      let bytes = 0;
      res.on('data', (chunk) => (bytes += chunk.length));
      res.on('error', reject);
      res.on('end', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (bytes !== expectedBytes) return reject(new Error(`GET ${url}: ${bytes} of ${expectedBytes} bytes`));
        const length = res.headers['content-length'];
        resolve({
          bytes,
          seconds,
          mbps: bytes / 1e6 / seconds,
          contentLength: length === undefined ? null : Number(length),
        });
      });
    });
    req.on('error', reject);
  });
}

/** The bytes every upload and plain write sends: a random MiB repeated (no compression games). */
export const MIB = 1024 * 1024;
const block = crypto.randomBytes(MIB);

async function* blocks(size) {
  for (let sent = 0; sent < size; sent += MIB) yield sent + MIB <= size ? block : block.subarray(0, size - sent);
}

/**
 * POSTs `size` bytes as one multipart `file` part on one request, streamed with backpressure:
 * { seconds, mbps, status, body }.
 */
export function upload({ url, size, name, headers = {} }) {
  const boundary = `----bench${crypto.randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        ...headers,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': head.length + size + tail.length,
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (res.statusCode !== 201)
          return reject(new Error(`upload answered ${res.statusCode}: ${body.slice(0, 500)}`));
        resolve({ seconds, mbps: size / 1e6 / seconds, status: res.statusCode, body: JSON.parse(body) });
      });
    });
    (async () => {
      await writeWithBackpressure(req, head);
      for await (const chunk of blocks(size)) await writeWithBackpressure(req, chunk);
      req.end(tail);
    })().catch((error) => req.destroy(error));
  });
}

function writeWithBackpressure(stream, chunk) {
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (error) => reject(error);
    stream.once('error', onError);
    stream.once('drain', () => {
      stream.off('error', onError);
      resolve();
    });
  });
}

/**
 * The disk's plain speed for the same bytes: fs.createWriteStream to `file`, then fsync (the
 * upload path fsyncs before it stores a file, so both include getting the bytes to disk).
 */
export async function plainWrite(file, size) {
  const started = process.hrtime.bigint();
  const fd = fs.openSync(file, 'w');
  try {
    const stream = fs.createWriteStream('', { fd, autoClose: false, highWaterMark: MIB });
    for await (const chunk of blocks(size)) await writeWithBackpressure(stream, chunk);
    await new Promise((resolve, reject) => stream.end((error) => (error ? reject(error) : resolve())));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(file, { force: true });
  return { seconds, mbps: size / 1e6 / seconds };
}

/**
 * GETs every URL once, `concurrency` at a time over keep-alive connections: { seconds, perSecond,
 * statuses } (statuses: count per HTTP status). Bodies are read and dropped.
 */
export async function getEachOnce(urls, { concurrency = 64, headers = {} } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = {};
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      const status = await new Promise((resolve, reject) => {
        http
          .get(url, { agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
            res.on('error', reject);
          })
          .on('error', reject);
      });
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, perSecond: urls.length / seconds, statuses };
}

/** Runs `fn(item)` over items, `concurrency` at a time, results in order. */
export async function mapConcurrent(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
