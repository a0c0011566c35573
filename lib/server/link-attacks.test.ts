// Attacks on share links, end to end on the built production server (issue 10, links part):
// HEAD / conditional GETs / empty files must not skip the link checks, a used one-time link
// must not be replayed as a "resume", a deleted file's links must not serve a later file of
// the same name, /by-name must not tell "private" from "missing", and forged links must not
// flood the audit log. Needs `npm run build`.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'attackadmin', ADMIN_PASSWORD: 'attack-Password-123' };
const CONTENT = Buffer.from('abcdefghij'.repeat(100_000)); // 1,000,000 bytes

let server: TestServer;
let apiToken: string;

async function upload(name: string, content: Buffer, replace = false): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  const response = await fetch(`${server.baseURL}/api/v1/files${replace ? '?replace=1' : ''}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiToken}` },
    body: form,
  });
  expect(response.status).toBeLessThan(300);
  return ((await response.json()) as { id: string }).id;
}

async function remove(fileId: string) {
  const response = await fetch(`${server.baseURL}/api/v1/files/${encodeURIComponent(fileId)}`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${apiToken}` },
  });
  expect(response.status).toBeLessThan(300);
}

async function makeLink(fileId: string, body: Record<string, unknown>): Promise<{ id: string; url: string }> {
  const response = await fetch(`${server.baseURL}/api/v1/files/${encodeURIComponent(fileId)}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; url: string };
}

function request(url: string, init: { method?: string; headers?: Record<string, string>; ip?: string } = {}) {
  return fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'X-Forwarded-For': init.ip ?? '198.51.100.1', ...(init.headers ?? {}) },
  });
}

/** What a refused answer must not carry: anything about the file. */
function expectNoFileFacts(response: Response) {
  expect(response.headers.get('etag')).toBeNull();
  expect(response.headers.get('content-disposition')).toBeNull();
  expect(response.headers.get('last-modified')).toBeNull();
  expect(response.headers.get('content-range')).toBeNull();
}

function logRows(action: string): { info: string; ipAddress: string | null }[] {
  const sqlite = new Database(path.join(server.dataDir, 'fileserver.db'), { readonly: true });
  try {
    return sqlite.prepare('SELECT info, ipAddress FROM Log WHERE action = ? ORDER BY id').all(action) as {
      info: string;
      ipAddress: string | null;
    }[];
  } finally {
    sqlite.close();
  }
}

/** Starts a download and cuts it off after the first chunk; resolves with its headers. */
function interruptedDownload(url: string, ip: string): Promise<http.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'X-Forwarded-For': ip } }, (response) => {
      expect(response.statusCode).toBe(200);
      response.once('data', () => {
        resolve(response.headers);
        req.destroy();
      });
    });
    req.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
  });
}

beforeAll(async () => {
  server = await startTestServer({ ...ADMIN, TRUST_PROXY: '1', CLOCK_SKEW: '0s' });
  apiToken = /fsk_\S+/.exec(server.cli(['token', 'create', 'attacks']).stdout)![0];
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('HEAD, conditional GETs and empty files go through the link checks', () => {
  it('answers 410 to HEAD on a used one-time link, with nothing about the file', async () => {
    const fileId = await upload('head-used.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    expect((await request(url)).status).toBe(200);
    const head = await request(url, { method: 'HEAD' });
    expect(head.status).toBe(410);
    expectNoFileFacts(head);
    expect(head.headers.get('content-length')).not.toBe(String(CONTENT.length));
  });

  it('answers 410 to HEAD and to If-None-Match / If-Modified-Since on a revoked link', async () => {
    const fileId = await upload('revoked.bin', CONTENT);
    const { id, url } = await makeLink(fileId, { ttlSeconds: 600 });
    const first = await request(url, { method: 'HEAD' });
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    const revoked = await fetch(`${server.baseURL}/api/v1/links/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${apiToken}` },
    });
    expect(revoked.status).toBe(204);
    const attempts: { method?: string; headers?: Record<string, string> }[] = [
      { method: 'HEAD' },
      { headers: { 'If-None-Match': etag } },
      { headers: { 'If-Modified-Since': lastModified } },
      { method: 'HEAD', headers: { 'If-None-Match': etag } },
      { headers: { Range: 'bytes=5000000-' } }, // would be 416
    ];
    for (const init of attempts) {
      const response = await request(url, init);
      expect({ init, status: response.status }).toEqual({ init, status: 410 });
      expectNoFileFacts(response);
    }
  });

  it('answers a used one-time link 410 to a conditional GET', async () => {
    const fileId = await upload('conditional-used.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const got = await request(url);
    expect(got.status).toBe(200);
    await got.arrayBuffer();
    const etag = got.headers.get('etag')!;
    const conditional = await request(url, { headers: { 'If-None-Match': etag } });
    expect(conditional.status).toBe(410);
    expectNoFileFacts(conditional);
  });

  it('lets an empty file behind a one-time link download exactly once', async () => {
    const fileId = await upload('empty.txt', Buffer.alloc(0));
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(url)).status);
    expect(statuses).toEqual([200, 410, 410, 410, 410]);
  });
});

describe('resuming a one-time download needs the secret of the counted download', () => {
  it('refuses a full replay (bytes=0- with If-Range) from the same IP after the use', async () => {
    const fileId = await upload('replay.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const first = await request(url, { ip: '203.0.113.9' });
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(CONTENT)).toBe(true);
    const etag = first.headers.get('etag')!;
    let copies = 0;
    for (let i = 0; i < 5; i++) {
      const replay = await request(url, { ip: '203.0.113.9', headers: { Range: 'bytes=0-', 'If-Range': etag } });
      if (replay.status < 300) copies++;
      await replay.arrayBuffer();
    }
    expect(copies).toBe(0);
    // Nearly all of it again (from byte 1) is no resume either after the whole file went out.
    const almost = await request(url, { ip: '203.0.113.9', headers: { Range: 'bytes=1-', 'If-Range': etag } });
    expect(almost.status).toBe(410);
  });

  it('refuses the file ETag (which HEAD shows) as a resume secret', async () => {
    const fileId = await upload('head-etag.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const fileEtag = (await request(url, { method: 'HEAD' })).headers.get('etag')!;
    const counted = await request(url);
    expect(counted.status).toBe(200);
    await counted.arrayBuffer();
    expect(counted.headers.get('etag')).not.toBe(fileEtag);
    const sneaky = await request(url, { headers: { Range: 'bytes=900000-', 'If-Range': fileEtag } });
    expect(sneaky.status).toBe(410);
  });

  it('resumes an interrupted download from another IP with the per-use ETag, in If-Range or If-Match', async () => {
    const fileId = await upload('resume.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const headers = await interruptedDownload(url, '203.0.113.20');
    const etag = headers.etag as string;
    expect(headers['x-accel-buffering']).toBe('no');
    // A phone that changed networks: another IP, the same secret.
    const resumed = await request(url, { ip: '192.0.2.44', headers: { Range: 'bytes=600000-', 'If-Range': etag } });
    expect(resumed.status).toBe(206);
    expect(resumed.headers.get('etag')).toBe(etag);
    expect(Buffer.from(await resumed.arrayBuffer()).equals(CONTENT.subarray(600_000))).toBe(true);
    const firefox = await request(url, { ip: '192.0.2.45', headers: { Range: 'bytes=950000-', 'If-Match': etag } });
    expect(firefox.status).toBe(206);
    expect(Buffer.from(await firefox.arrayBuffer()).equals(CONTENT.subarray(950_000))).toBe(true);
    // All the use's resumes together send again at most the allowance (half of this file):
    // at least the 50,000 of the last one were sent twice, so nearly the allowance again is refused.
    expect((await request(url, { headers: { Range: 'bytes=500001-', 'If-Range': etag } })).status).toBe(410);
    // Without the secret, or from the start, it is a new download, and the one use is gone.
    expect((await request(url, { headers: { Range: 'bytes=600000-' } })).status).toBe(410);
    expect((await request(url, { headers: { Range: 'bytes=0-', 'If-Range': etag } })).status).toBe(410);
    expect((await request(url)).status).toBe(410);
  });
});

type Delivered = { status: number; bytes: number; etag: string | undefined };

/** A GET on its own connection that counts the body bytes it got (also when the server cuts it off). */
function countingGet(url: string, headers: Record<string, string>, socket?: net.Socket) {
  return new Promise<Delivered>((resolve) => {
    let bytes = 0;
    let status = 0;
    let etag: string | undefined;
    const options: http.RequestOptions = {
      headers: { 'X-Forwarded-For': '203.0.113.60', Connection: 'close', ...headers },
      ...(socket ? { createConnection: () => socket } : { agent: false }),
    };
    const req = http.get(url, options, (response) => {
      status = response.statusCode ?? 0;
      etag = response.headers.etag;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status, bytes, etag }));
      response.on('close', () => resolve({ status, bytes, etag }));
    });
    req.on('error', () => resolve({ status, bytes, etag }));
  });
}

/** `count` GETs sent at the same moment: their connections are opened first, then all requests go out in one tick. */
async function simultaneousGets(url: string, headers: Record<string, string>, count: number) {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(Number(port), hostname, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  return Promise.all(sockets.map((socket) => countingGet(url, headers, socket)));
}

describe('parallel resumes of one use never yield a second copy', () => {
  const SIZE = 8 * 1024 * 1024;
  const ALLOWANCE = SIZE / 2; // inFlightAllowance: 16 MiB, at most half the file
  const big = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4) big.writeUInt32BE(i, i);

  it('gives the rest of the file to at most one of 20 parallel resumes after a bytes=0-0 use', async () => {
    const fileId = await upload('parallel-resume.bin', big);
    for (let round = 0; round < 3; round++) {
      const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
      const counted = await countingGet(url, { Range: 'bytes=0-0' });
      expect(counted).toMatchObject({ status: 206, bytes: 1 });
      const resumes = await simultaneousGets(url, { Range: 'bytes=1-', 'If-Range': counted.etag! }, 20);
      const statuses = resumes.map((r) => r.status);
      const fullCopies = resumes.filter((r) => r.bytes === SIZE - 1).length;
      const total = counted.bytes + resumes.reduce((sum, r) => sum + r.bytes, 0);
      expect(fullCopies, `full copies in round ${round}`).toBeLessThanOrEqual(1);
      expect(total, `bytes in round ${round}`).toBeLessThanOrEqual(SIZE + ALLOWANCE);
      // The others are refused, or cut off by a later resume of the same use (status 0: no answer).
      expect(statuses.filter((s) => s !== 206 && s !== 410 && s !== 0)).toEqual([]);
      // The use is spent: nothing near the start again, and no new use.
      expect((await countingGet(url, { Range: 'bytes=1-', 'If-Range': counted.etag! })).status).toBe(410);
      expect((await countingGet(url, {})).status).toBe(410);
    }
  }, 90_000);

  it('gives the rest to at most one of 20 parallel resumes split over two server processes', async () => {
    const second = await startTestServer({ DATA_DIR: server.dataDir, TRUST_PROXY: '1', CLOCK_SKEW: '0s' });
    try {
      const fileId = await upload('parallel-two-processes.bin', big);
      for (let round = 0; round < 2; round++) {
        const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
        const counted = await countingGet(url, { Range: 'bytes=0-0' });
        expect(counted).toMatchObject({ status: 206, bytes: 1 });
        const headers = { Range: 'bytes=1-', 'If-Range': counted.etag! };
        const onSecond = url.replace(server.baseURL, second.baseURL);
        const resumes = (
          await Promise.all([simultaneousGets(url, headers, 10), simultaneousGets(onSecond, headers, 10)])
        ).flat();
        const fullCopies = resumes.filter((r) => r.bytes === SIZE - 1).length;
        const total = counted.bytes + resumes.reduce((sum, r) => sum + r.bytes, 0);
        expect(fullCopies, `full copies in round ${round}`).toBeLessThanOrEqual(1);
        expect(total, `bytes in round ${round}`).toBeLessThanOrEqual(SIZE + ALLOWANCE);
      }
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('gives at most one copy when the counted download is cut off while parallel resumes start', async () => {
    // Big enough that what the server hands the connection before the cut stays below the allowance.
    const size = 3 * SIZE;
    const allowance = size / 2;
    const fileId = await upload('cut-parallel.bin', Buffer.concat([big, big, big]));
    for (let round = 0; round < 3; round++) {
      const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
      // The client gets its first chunk, drops the connection and at once fires 20 resumes from there.
      const { received, etag } = await new Promise<{ received: number; etag: string }>((resolve, reject) => {
        const req = http.get(url, { agent: false, headers: { 'X-Forwarded-For': '203.0.113.61' } }, (response) => {
          expect(response.statusCode).toBe(200);
          response.once('data', (chunk: Buffer) => {
            req.destroy();
            resolve({ received: chunk.length, etag: response.headers.etag! });
          });
        });
        req.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
      });
      const resumes = await simultaneousGets(url, { Range: `bytes=${received}-`, 'If-Range': etag }, 20);
      const total = received + resumes.reduce((sum, r) => sum + r.bytes, 0);
      const complete = resumes.filter((r) => r.status === 206 && r.bytes === size - received);
      expect(complete.length, `full copies in round ${round}`).toBeLessThanOrEqual(1);
      expect(total, `bytes in round ${round}`).toBeLessThanOrEqual(size + allowance);
    }
  }, 120_000);
});

describe('resuming a finished use again and again', () => {
  it('sends again at most the in-flight allowance in all, however many resumes of the tail come', async () => {
    const fileId = await upload('tail-again.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const counted = await countingGet(url, {});
    expect(counted).toMatchObject({ status: 200, bytes: CONTENT.length });
    let again = 0;
    for (let i = 0; i < 12; i++) {
      const tail = await countingGet(url, { Range: `bytes=${CONTENT.length - 100_000}-`, 'If-Range': counted.etag! });
      expect([206, 410]).toContain(tail.status);
      if (tail.status === 206) again += tail.bytes;
    }
    expect(again).toBeLessThanOrEqual(CONTENT.length / 2); // inFlightAllowance of a 1 MB file
    expect(again).toBeGreaterThan(0); // a lost tail can still be fetched again
  });
});

describe('resuming while the first response is stalled (a phone that changed networks)', () => {
  it('ends the stalled response of the same use and resumes from what the client has', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const fileId = await upload('stalled.bin', big);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    // The first download stops reading after its first chunk: the server's writes stall.
    let stalled!: http.ClientRequest;
    const etag = await new Promise<string>((resolve, reject) => {
      stalled = http.get(url, { headers: { 'X-Forwarded-For': '203.0.113.40' } }, (response) => {
        response.once('data', () => {
          response.pause();
          resolve(response.headers.etag as string);
        });
      });
      stalled.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    });
    try {
      // From another network, the same secret, from early in the file: served at once.
      const resumed = await request(url, { ip: '192.0.2.41', headers: { Range: 'bytes=65536-', 'If-Range': etag } });
      expect(resumed.status).toBe(206);
      expect(Buffer.from(await resumed.arrayBuffer()).equals(big.subarray(65536))).toBe(true);
      // Everything went out under this use now: no second copy from near the start.
      expect((await request(url, { headers: { Range: 'bytes=65536-', 'If-Range': etag } })).status).toBe(410);
    } finally {
      stalled.destroy();
    }
  }, 60_000);
});

describe('a link belongs to one incarnation of a file', () => {
  it('does not serve a re-uploaded file of the same name through an old untracked or tracked link', async () => {
    const oldId = await upload('reborn.txt', Buffer.from('the old secret'));
    const untracked = await makeLink(oldId, { ttlSeconds: 600, tracked: false });
    const tracked = await makeLink(oldId, { ttlSeconds: 600 });
    expect(await (await request(untracked.url)).text()).toBe('the old secret');
    await remove(oldId);
    const newId = await upload('reborn.txt', Buffer.from('a different new file'));
    expect(newId).toBe(oldId); // ids are a hash of the name
    for (const url of [untracked.url, tracked.url]) {
      for (const method of ['GET', 'HEAD']) {
        const response = await request(url, { method });
        expect({ url, method, status: response.status }).toEqual({ url, method, status: 410 });
        expectNoFileFacts(response);
        expect(response.headers.get('content-length')).not.toBe(String('a different new file'.length));
      }
      const body = await (await request(url)).json();
      expect(body.error.message).toBe('This file was deleted.');
    }
    await expect.poll(() => logRows('link_denied').some((row) => row.info.includes('reason: deleted'))).toBe(true);
  });

  it('keeps links across a replace', async () => {
    const fileId = await upload('replaced.txt', Buffer.from('version one'));
    const { url } = await makeLink(fileId, { ttlSeconds: 600, tracked: false });
    await upload('replaced.txt', Buffer.from('version two'), true);
    const response = await request(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('version two');
  });

  it('does not resume a one-time download onto content replaced since (links survive a replace)', async () => {
    const fileId = await upload('replaced-midway.bin', CONTENT);
    const { url } = await makeLink(fileId, { ttlSeconds: 600, maxDownloads: 1 });
    const headers = await interruptedDownload(url, '203.0.113.30');
    await upload('replaced-midway.bin', Buffer.from(CONTENT).reverse(), true);
    const spliced = await request(url, { headers: { Range: 'bytes=700000-', 'If-Range': headers.etag as string } });
    expect(spliced.status).toBe(410);
  });

  it('answers 410 deleted for a genuine link to a deleted file, 403 for a forged one', async () => {
    const fileId = await upload('gone.txt', Buffer.from('bye'));
    const { url } = await makeLink(fileId, { ttlSeconds: 600 });
    await remove(fileId);
    const gone = await request(url);
    expect(gone.status).toBe(410);
    const forged = url.slice(0, -3) + (url.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await request(forged)).status).toBe(403);
  });
});

describe('no existence oracle on unauthenticated surfaces', () => {
  it('answers /by-name the same for a private name and a missing one, whatever the token', async () => {
    await upload('private-report.pdf', Buffer.from('%PDF private'));
    const other = await upload('other-file.bin', Buffer.from('other'));
    const genuine = (await makeLink(other, { ttlSeconds: 600 })).url;
    const genuineToken = new URL(genuine).searchParams.get('t')!;
    for (const t of ['x', '', 'a.b.c', genuineToken, `${genuineToken.slice(0, -2)}AA`]) {
      const answers = [];
      for (const name of ['private-report.pdf', 'no-such-file.pdf']) {
        for (const method of ['GET', 'HEAD']) {
          const response = await request(`${server.baseURL}/by-name/${name}?t=${encodeURIComponent(t)}`, { method });
          answers.push({ status: response.status, body: method === 'GET' ? await response.text() : '' });
        }
      }
      expect({ t, a: answers[0] }).toEqual({ t, a: answers[2] });
      expect({ t, a: answers[1] }).toEqual({ t, a: answers[3] });
    }
    // Without a token: the same 404 as before.
    const privateName = await request(`${server.baseURL}/by-name/private-report.pdf`);
    const missing = await request(`${server.baseURL}/by-name/no-such-file.pdf`);
    expect(privateName.status).toBe(missing.status);
    expect(await privateName.text()).toBe(await missing.text());
  });
});

describe('forged links do not flood the audit log', () => {
  it('writes a bounded number of link_denied rows per client and reason', async () => {
    const fileId = await upload('flood.bin', Buffer.from('x'));
    const before = logRows('link_denied').filter((row) => row.ipAddress === '192.0.2.200').length;
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, () => request(`${server.baseURL}/${fileId}?t=forged`, { ip: '192.0.2.200' })),
      );
    }
    const rows = logRows('link_denied').filter((row) => row.ipAddress === '192.0.2.200');
    expect(rows.length - before).toBeLessThanOrEqual(20);
  });
});
