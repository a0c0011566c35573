// A database write lock held by someone else (another process, a backup, an admin's sqlite3
// shell) freezes nothing: reads keep being answered by both processes, a request that needs a
// write waits for it off the event loop up to DB_BUSY_TIMEOUT and then answers 503 with
// Retry-After, and nothing a 503 answered is half done.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'busyadmin', ADMIN_PASSWORD: 'busy-Password-123' };
const BUSY_TIMEOUT_MS = 2000;

let server: TestServer;
let token: string;
let fileId: string;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

function upload(name: string, body: string, bearer = token) {
  const form = new FormData();
  form.append('file', new Blob([body]), name);
  return fetch(`${server.baseURL}/api/v1/files?visibility=public`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${bearer}` },
    body: form,
  });
}

async function makeLink(body: Record<string, unknown>) {
  return fetch(`${server.baseURL}/api/v1/files/${fileId}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Holds SQLite's write lock from this test process until the returned function is called. */
function holdWriteLock(): () => void {
  const sqlite = new Database(path.join(server.dataDir, 'fileserver.db'));
  sqlite.prepare('BEGIN IMMEDIATE').run();
  return () => {
    sqlite.prepare('ROLLBACK').run();
    sqlite.close();
  };
}

/** Every `everyMs` until `until` settles: how long a public download and the sign-in page took. */
async function sampleReads(until: Promise<unknown>, everyMs = 100): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    const [download, page] = await Promise.all([
      timed(() => fetch(`${server.baseURL}/${fileId}`).then((r) => r.arrayBuffer())),
      timed(() => fetch(`${server.baseURL}/signin`).then((r) => r.text())),
    ]);
    if (process.env.DEBUG_BUSY) console.log('download', download.ms, 'signin', page.ms);
    times.push(download.ms, page.ms);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return times;
}

beforeAll(async () => {
  server = await startTestServer({ ...ADMIN, DB_BUSY_TIMEOUT: `${BUSY_TIMEOUT_MS}ms` });
  token = /fsk_\S+/.exec(server.cli(['token', 'create', 'busy']).stdout)![0];
  fileId = ((await (await upload('report.txt', 'quarterly figures')).json()) as { id: string }).id;
  // Warm: a page's first render compiles it; that is not what these tests measure.
  await fetch(`${server.baseURL}/signin`).then((r) => r.text());
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('a held database write lock', () => {
  it('keeps reads answered and turns writes into a quick 503 with Retry-After', async () => {
    const oneTime = (await (await makeLink({ ttlSeconds: 600, maxDownloads: 1 })).json()) as { url: string };
    const freshToken = /fsk_\S+/.exec(server.cli(['token', 'create', 'never-used']).stdout)![0];

    const release = holdWriteLock();
    let writes: Awaited<ReturnType<typeof runWrites>>;
    let readTimes: number[];
    async function runWrites() {
      return Promise.all([
        timed(() => fetch(oneTime.url)),
        timed(() => makeLink({ ttlSeconds: 600 })),
        timed(() => upload('during-lock.txt', 'must not be half stored')),
        timed(() => fetch(`${server.baseURL}/${fileId}?t=forged.link.token`)),
        // A token's first use writes its last-used time: a read must not wait for that write.
        timed(() => fetch(`${server.baseURL}/api/v1/files`, { headers: { Authorization: `Bearer ${freshToken}` } })),
      ]);
    }
    try {
      const pending = runWrites();
      [writes, readTimes] = await Promise.all([pending, sampleReads(pending)]);
    } finally {
      release();
    }
    const [download, link, stored, forged, list] = writes;

    for (const [answer, what] of [
      [download, 'one-time download'],
      [link, 'link creation'],
      [stored, 'upload'],
    ] as const) {
      expect(answer.value.status, what).toBe(503);
      expect(answer.value.headers.get('retry-after'), what).toBe('1');
      expect(answer.ms, what).toBeLessThan(BUSY_TIMEOUT_MS + 2000);
      const body = await answer.value.text();
      expect(body, what).toContain('busy');
      expect(body, what).not.toMatch(/SQLITE|prisma|\n\s+at /i);
    }
    // A denial's audit row never decides the answer.
    expect(forged.value.status).toBe(403);
    expect(list.value.status).toBe(200);
    expect(Math.max(forged.ms, list.ms)).toBeLessThan(BUSY_TIMEOUT_MS);
    // Both processes kept answering reads during the lock.
    expect(readTimes.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...readTimes)).toBeLessThan(BUSY_TIMEOUT_MS / 2);

    // Nothing a 503 answered was done: the one-time link still has its one use, the upload is absent.
    const after = await fetch(oneTime.url);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('quarterly figures');
    expect((await fetch(oneTime.url)).status).toBe(410);
    expect((await fetch(`${server.baseURL}/by-name/during-lock.txt`)).status).toBe(404);
    expect((await upload('during-lock.txt', 'now it works')).status).toBe(201);
  }, 60_000);

  it('answers a sign-in 503 quickly and lets the next one in', async () => {
    const release = holdWriteLock();
    let attempt: { value: Response; ms: number };
    let readTimes: number[];
    try {
      const pending = timed(async () => {
        const csrf = await fetch(`${server.baseURL}/api/auth/csrf`);
        const { csrfToken } = (await csrf.json()) as { csrfToken: string };
        return fetch(`${server.baseURL}/api/auth/callback/credentials`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Cookie: csrf.headers
              .getSetCookie()
              .map((c) => c.split(';')[0])
              .join('; '),
          },
          body: new URLSearchParams({ ...credentials(), csrfToken, json: 'true' }),
          redirect: 'manual',
        });
      });
      [attempt, readTimes] = await Promise.all([pending, sampleReads(pending)]);
    } finally {
      release();
    }
    expect(attempt.value.status).toBe(503);
    expect(attempt.value.headers.get('retry-after')).toBe('1');
    expect(attempt.ms).toBeLessThan(BUSY_TIMEOUT_MS + 2000);
    expect(Math.max(...readTimes)).toBeLessThan(BUSY_TIMEOUT_MS / 2);
    expect(await signIn(server.baseURL, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD)).toMatch(/session-token=/);
  }, 60_000);
});

function credentials() {
  return { username: ADMIN.ADMIN_USERNAME, password: ADMIN.ADMIN_PASSWORD };
}
