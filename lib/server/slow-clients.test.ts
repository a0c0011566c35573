// Slow clients against the production server, as an attacker would send them: hundreds of
// request bodies trickling a byte at a time to paths that go to Next, request heads that never
// end, bodies that stop, and many connections from one client. Pages and the health check must
// keep answering; slow but steady uploads must still complete.
// Needs `npm run build` (npm test builds before it runs these). Holds 500 sockets open at once in
// this process and as many in the server: needs `ulimit -n` of 2048 or more (checked below).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'slowadmin', ADMIN_PASSWORD: 'slow-clients-Password-1' };
const HEADERS_TIMEOUT_MS = 2000;
const BODY_IDLE_TIMEOUT_MS = 2000;
// Bodies keep moving faster than BODY_IDLE_TIMEOUT: the idle cut is not what saves the server.
const TRICKLE_EVERY_MS = 500;

let server: TestServer;
let port: number;
let token: string;

beforeAll(async () => {
  const limits = fs.existsSync('/proc/self/limits') ? fs.readFileSync('/proc/self/limits', 'utf8') : '';
  const openFiles = /Max open files\s+(\d+|unlimited)/.exec(limits)?.[1];
  if (openFiles && openFiles !== 'unlimited' && Number(openFiles) < 2048) {
    throw new Error(`these tests hold 500 sockets open; raise the limit first (ulimit -n 4096), it is ${openFiles}`);
  }
  server = await startTestServer({
    ...ADMIN,
    TRUST_PROXY: '1',
    HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MS}ms`,
    BODY_IDLE_TIMEOUT: `${BODY_IDLE_TIMEOUT_MS}ms`,
  });
  port = Number(new URL(server.baseURL).port);
  const created = server.cli(['token', 'create', 'slow', '--expires', '1d']);
  expect(created.status, created.stderr).toBe(0);
  token = /fsk_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** A raw connection: what it received, whether the server closed it, and when. */
type Conn = {
  socket: net.Socket;
  received: () => string;
  status: () => number | null;
  closed: Promise<number>;
  isClosed: () => boolean;
};

function connect(head: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let closedAt = 0;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {}); // a reset after our trickle is one way the server cuts us
    const closed = new Promise<number>((done) =>
      socket.once('close', () => {
        closedAt = Date.now();
        done(closedAt);
      }),
    );
    socket.once('connect', () => {
      socket.write(head, () =>
        resolve({
          socket,
          received: () => text,
          status: () => {
            const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
            return match ? Number(match[1]) : null;
          },
          closed,
          isClosed: () => closedAt !== 0,
        }),
      );
    });
    socket.once('error', reject);
  });
}

/** Opens a request whose head is complete and whose body (of `length` bytes) has not started. */
function slowRequest(method: string, target: string, headers: Record<string, string>, length = 1000) {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers, 'Content-Length': String(length) }).map(
    ([name, value]) => `${name}: ${value}\r\n`,
  );
  return connect(`${method} ${target} HTTP/1.1\r\n${lines.join('')}\r\n`);
}

/**
 * Paths an unauthenticated client can post to that the front server passes to Next. (A tus
 * PATCH is not among them: Next answers it 401 before reading its body.)
 */
const NEXT_BOUND: [string, string, Record<string, string>][] = [
  ['POST', '/api/auth/callback/credentials', { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ['POST', '/signin', { 'Next-Action': 'a'.repeat(42), 'Content-Type': 'text/plain;charset=UTF-8' }],
  ['POST', '/api/v1/keys/rotate', { 'Content-Type': 'application/json' }],
];

/** One request on a fresh connection; its time in ms, or `timeoutMs` if it did not answer in time. */
function timed(target: string, timeoutMs: number): Promise<{ ms: number; status: number | null }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: target, agent: false, timeout: timeoutMs });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ ms: performance.now() - started, status: response.statusCode ?? null }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve({ ms: Math.max(timeoutMs, performance.now() - started), status: null }));
  });
}

/** `count` sequential requests; stops early after 2 that took longer than the budget. */
async function p99(target: string, count = 50, timeoutMs = 2000) {
  const times: number[] = [];
  const statuses = new Set<number | null>();
  for (let i = 0; i < count && times.filter((t) => t >= timeoutMs).length < 2; i++) {
    const { ms, status } = await timed(target, timeoutMs);
    times.push(ms);
    statuses.add(status);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p99: sorted[Math.ceil(sorted.length * 0.99) - 1],
    median: sorted[Math.floor(sorted.length / 2)],
    samples: times.length,
    statuses: [...statuses],
  };
}

/** Writes one body byte every TRICKLE_EVERY_MS to every connection still open (also those added later). */
function trickle(conns: Conn[]) {
  const sent = new Map<Conn, number>();
  const timer = setInterval(() => {
    for (const conn of conns) {
      if (conn.isClosed()) continue;
      conn.socket.write('a');
      sent.set(conn, (sent.get(conn) ?? 0) + 1);
    }
  }, TRICKLE_EVERY_MS);
  return {
    /** The fewest body bytes any connection has sent. */
    least: () => Math.min(...conns.map((c) => sent.get(c) ?? 0)),
    stop: () => clearInterval(timer),
  };
}

async function until(condition: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('500 slow request bodies to Next-bound paths, from 500 client IPs', () => {
  it('leave /signin and /api/health answering with a p99 under 1 s', async () => {
    // Warm, as a server that has served before is: a fresh Next renders its first page slowly.
    for (const target of ['/signin', '/api/health']) expect((await timed(target, 10_000)).status).toBe(200);
    const conns: Conn[] = [];
    const dripping = trickle(conns);
    try {
      for (let i = 0; i < 500; i++) {
        const [method, target, headers] = NEXT_BOUND[i % NEXT_BOUND.length];
        conns.push(
          await slowRequest(method, target, { ...headers, 'X-Forwarded-For': `10.1.${i >> 8}.${(i & 255) + 1}` }),
        );
      }
      // Every connection has sent body bytes since its head: each is a request in progress.
      await until(() => dripping.least() >= 2, 5000, 'two body bytes on every connection');
      expect(conns.filter((c) => c.isClosed())).toHaveLength(0);
      const signin = await p99('/signin');
      const health = await p99('/api/health');
      console.log(
        `p99 with ${conns.filter((c) => !c.isClosed()).length} slow bodies open: /signin ${signin.p99.toFixed(0)} ms ` +
          `(median ${signin.median.toFixed(0)}, ${signin.samples} requests, ${signin.statuses.join('/')}), ` +
          `/api/health ${health.p99.toFixed(0)} ms (median ${health.median.toFixed(0)}, ${health.samples} requests, ` +
          `${health.statuses.join('/')})`,
      );
      expect(conns.filter((c) => c.isClosed())).toHaveLength(0); // the attack lasted the whole measurement
      expect(signin.samples).toBe(50);
      expect(signin.p99).toBeLessThan(1000);
      expect(health.samples).toBe(50);
      expect(health.p99).toBeLessThan(1000);
      expect(signin.statuses).toEqual([200]);
      expect(health.statuses).toEqual([200]);
    } finally {
      dripping.stop();
      for (const conn of conns) conn.socket.destroy();
    }
  });
});

describe('many connections from one client', () => {
  it('are refused past MAX_CONNECTIONS_PER_CLIENT (100) with 429 and Retry-After, and close', async () => {
    const conns: Conn[] = [];
    const dripping = trickle(conns);
    const from = { 'X-Forwarded-For': '203.0.113.9' };
    for (let i = 0; i < 120; i++) {
      const [method, target, headers] = NEXT_BOUND[i % NEXT_BOUND.length];
      conns.push(await slowRequest(method, target, { ...headers, ...from }));
    }
    try {
      await until(() => conns.filter((c) => c.isClosed()).length >= 20, 5000, '20 refused connections');
      const refused = conns.filter((c) => c.isClosed());
      expect(refused).toHaveLength(20);
      for (const conn of refused) {
        expect(conn.status()).toBe(429);
        expect(conn.received()).toMatch(/\r\nRetry-After: \d+\r\n/i);
        expect(conn.received()).toMatch(/\r\nConnection: close\r\n/i);
        expect(conn.received()).toContain('"rate_limited"');
      }
      // Another client is not affected, nor is this one once its connections are gone.
      expect((await timed('/api/health', 2000)).status).toBe(200);
    } finally {
      dripping.stop();
      for (const conn of conns) conn.socket.destroy();
    }
    const health = () =>
      new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path: '/api/health', headers: from, agent: false }, (response) => {
            response.resume();
            resolve(response.statusCode!);
          })
          .on('error', reject),
      );
    await expect.poll(health, { timeout: 5000 }).toBe(200);
  });
});

describe('bodies for Next read before they are passed on', () => {
  it('refuses one over 1 MiB (413), and new ones while 64 MiB are held (503, Retry-After)', async () => {
    const big = await slowRequest(...NEXT_BOUND[0], 1024 * 1024 + 1);
    await until(() => big.isClosed(), 5000, 'the answer');
    expect(big.status()).toBe(413);

    const conns: Conn[] = [];
    const dripping = trickle(conns);
    try {
      const almost = Buffer.alloc(1024 * 1024 - 100, 'a');
      for (let i = 0; i < 70; i++) {
        const conn = await slowRequest(...NEXT_BOUND[0], 1024 * 1024);
        conns.push(conn);
        await new Promise((resolve) => conn.socket.write(almost, resolve));
      }
      await until(() => conns.filter((c) => c.isClosed()).length >= 6, 5000, '6 refused bodies');
      const refused = conns.filter((c) => c.isClosed());
      expect(refused.length).toBeLessThanOrEqual(7);
      for (const conn of refused) {
        expect(conn.status()).toBe(503);
        expect(conn.received()).toMatch(/\r\nRetry-After: \d+\r\n/i);
      }
      expect((await timed('/api/health', 2000)).status).toBe(200);
    } finally {
      dripping.stop();
      for (const conn of conns) conn.socket.destroy();
    }
    // Once those are gone, a body is read and passed on again.
    await expect
      .poll(async () => {
        const conn = await slowRequest(...NEXT_BOUND[0], 3);
        conn.socket.write('a=b');
        await until(() => conn.status() !== null, 5000, 'an answer');
        conn.socket.destroy();
        return conn.status();
      })
      .not.toBe(503);
  });
});

describe('timeouts', () => {
  it(`cuts a request head that is still arriving after HEADERS_TIMEOUT (408)`, async () => {
    const started = Date.now();
    const conn = await connect(`GET /signin HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const timer = setInterval(() => !conn.isClosed() && conn.socket.write('X-Slow: a\r\n'), 300);
    try {
      await until(conn.isClosed, HEADERS_TIMEOUT_MS + 3000, 'the server to close the connection');
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(conn.status()).toBe(408);
  });

  for (const [what, request] of [
    ['to Next', () => slowRequest(...NEXT_BOUND[0], 100)],
    [
      'of an upload to the front server',
      () =>
        slowRequest(
          'POST',
          '/api/v1/files',
          { Authorization: `Bearer ${token}`, 'Content-Type': 'multipart/form-data; boundary=x' },
          100,
        ),
    ],
  ] as const) {
    it(`cuts a request body ${what} that sends nothing for BODY_IDLE_TIMEOUT (408, closed)`, async () => {
      const conn = await request();
      conn.socket.write('--x\r\n');
      const started = Date.now();
      await until(conn.isClosed, BODY_IDLE_TIMEOUT_MS + 3000, 'the server to close the connection');
      expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_IDLE_TIMEOUT_MS - 100);
      expect(conn.status()).toBe(408);
    });
  }

  it('lets an upload that keeps moving finish, however much longer than BODY_IDLE_TIMEOUT it takes', async () => {
    const boundary = 'slow-but-steady';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="steady.bin"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const pieces = 8;
    const piece = Buffer.alloc(64 * 1024, 7);
    const conn = await slowRequest(
      'POST',
      '/api/v1/files',
      { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      head.length + pieces * piece.length + tail.length,
    );
    conn.socket.write(head);
    const started = Date.now();
    for (let i = 0; i < pieces; i++) {
      await new Promise((r) => setTimeout(r, BODY_IDLE_TIMEOUT_MS / 2)); // the pace of a slow client
      conn.socket.write(piece);
    }
    conn.socket.write(tail);
    await until(() => conn.status() !== null, 5000, 'the answer');
    expect(Date.now() - started).toBeGreaterThan(BODY_IDLE_TIMEOUT_MS * 1.5);
    expect(conn.status()).toBe(201);
    conn.socket.destroy();
  });

  it('lets a resumable (tus) chunk through Next that keeps moving finish', async () => {
    const size = 6 * 64 * 1024;
    const created = await fetch(`${server.baseURL}/api/uploads`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(size),
        'Upload-Metadata': `filename ${Buffer.from('steady-tus.bin').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location')!, server.baseURL).pathname;
    const conn = await slowRequest(
      'PATCH',
      location,
      {
        Authorization: `Bearer ${token}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      size,
    );
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, BODY_IDLE_TIMEOUT_MS / 2));
      conn.socket.write(Buffer.alloc(64 * 1024, 1));
    }
    await until(() => conn.status() !== null, 5000, 'the answer');
    expect(Date.now() - started).toBeGreaterThan(BODY_IDLE_TIMEOUT_MS * 1.5);
    expect(conn.status()).toBe(204);
    conn.socket.destroy();
  });
});
