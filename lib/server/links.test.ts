// Share links end to end on the production server: exactly-once consumption under parallel
// clicks (also across two server processes on one database), HEAD, resume of an interrupted
// one-time download, rotation, and every link answer of PRODUCT.md's table.
// Needs `npm run build` (npm test builds before it runs these).
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'linkadmin', ADMIN_PASSWORD: 'links-Password-123' };
const CONTENT = Buffer.from('0123456789'.repeat(100_000)); // 1,000,000 bytes

let server: TestServer;
let token: string;
let fileId: string;

function api(pathname: string, init: RequestInit = {}) {
  return fetch(`${server.baseURL}${pathname}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
}

async function makeLink(body: Record<string, unknown>, base = server.baseURL): Promise<{ id: string; url: string }> {
  const response = await fetch(`${base}/api/v1/files/${fileId}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return response.json();
}

/** A GET that sends X-Forwarded-For (the server trusts one proxy hop in these tests). */
function get(url: string, headers: Record<string, string> = {}, clientIp = '198.51.100.1') {
  return fetch(url, { headers: { 'X-Forwarded-For': clientIp, ...headers } });
}

function logRows(action: string): { info: string; user: string | null }[] {
  const sqlite = new Database(path.join(server.dataDir, 'fileserver.db'), { readonly: true });
  try {
    return sqlite.prepare('SELECT info, user FROM Log WHERE action = ? ORDER BY id').all(action) as {
      info: string;
      user: string;
    }[];
  } finally {
    sqlite.close();
  }
}

beforeAll(async () => {
  server = await startTestServer({ ...ADMIN, TRUST_PROXY: '1', CLOCK_SKEW: '0s' });
  token = /fsk_\S+/.exec(server.cli(['token', 'create', 'links']).stdout)![0];
  const form = new FormData();
  form.append('file', new Blob([CONTENT]), 'contract.pdf');
  const uploaded = await fetch(`${server.baseURL}/api/v1/files`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  fileId = (await uploaded.json()).id;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('one-time and limited links', () => {
  it('gives exactly one download to 50 parallel clicks on a one-time link', async () => {
    const { url } = await makeLink({ ttlSeconds: 600, maxDownloads: 1 });
    const responses = await Promise.all(Array.from({ length: 50 }, () => get(url)));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(responses.filter((r) => r.status === 410)).toHaveLength(49);
    expect(Buffer.from(await ok[0].arrayBuffer()).equals(CONTENT)).toBe(true);
    const refused = await responses.find((r) => r.status === 410)!.json();
    expect(refused.error.code).toBe('link_used');
  });

  it('gives exactly 3 downloads out of 20 parallel requests with a limit of 3', async () => {
    const { url } = await makeLink({ ttlSeconds: 600, maxDownloads: 3 });
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => get(url)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 410)).toHaveLength(17);
  });

  it('never consumes a use with HEAD, and shows browsers a landing page instead of downloading', async () => {
    const { url } = await makeLink({ ttlSeconds: 600, maxDownloads: 1 });
    for (let i = 0; i < 3; i++) {
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(CONTENT.length));
    }
    const page = await get(url, { Accept: 'text/html,application/xhtml+xml' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('contract.pdf');
    expect(html).toContain('Download</button>');
    expect(html).toContain('name="dl" value="1"');
    // The button's request consumes and streams; the link is used afterwards.
    const button = await get(`${url}&dl=1`, { Accept: 'text/html' });
    expect(button.status).toBe(200);
    expect(Buffer.from(await button.arrayBuffer()).equals(CONTENT)).toBe(true);
    const again = await get(url, { Accept: 'text/html' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This link was already used');
  });

  it('lets the holder of the per-use ETag resume an interrupted one-time download, and nobody without it', async () => {
    const { url } = await makeLink({ ttlSeconds: 600, maxDownloads: 1 });
    // The first download breaks off after the first bytes.
    const etag = await new Promise<string>((resolve, reject) => {
      const request = http.get(url, { headers: { 'X-Forwarded-For': '203.0.113.5' } }, (response) => {
        expect(response.statusCode).toBe(200);
        response.once('data', () => {
          resolve(response.headers.etag as string);
          request.destroy();
        });
      });
      request.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
    });
    const resumed = await get(url, { Range: 'bytes=500000-', 'If-Range': etag }, '203.0.113.5');
    expect(resumed.status).toBe(206);
    expect(Buffer.from(await resumed.arrayBuffer()).equals(CONTENT.subarray(500_000))).toBe(true);
    // From byte 0 it is a new download, even with the right validator: refused; so is a plain GET.
    expect((await get(url, { Range: 'bytes=0-', 'If-Range': etag }, '192.0.2.77')).status).toBe(410);
    expect((await get(url, {}, '203.0.113.5')).status).toBe(410);
    // Without If-Range a range request is a new use: refused.
    expect((await get(url, { Range: 'bytes=500000-' }, '203.0.113.5')).status).toBe(410);
  });
});

describe('link answers', () => {
  it('answers 403 for a bad signature, a wrong file and a malformed token, and records why', async () => {
    const { url } = await makeLink({ ttlSeconds: 600, tracked: false });
    const tampered = url.slice(0, -2) + (url.endsWith('AA') ? 'BB' : 'AA');
    const bad = await get(tampered);
    expect(bad.status).toBe(403);
    expect((await bad.json()).error).toEqual({ code: 'link_invalid', message: 'This link is not valid.' });
    const otherFile = url.replace(`/${fileId}?`, '/AAAAAAAA?');
    expect((await get(otherFile)).status).toBe(403);
    expect((await get(`${server.baseURL}/${fileId}?t=not-a-token`)).status).toBe(403);
    // Denials are written in batches (every 100 ms): wait for the three.
    const reasons = () => logRows('link_denied').map((row) => /reason: (\w+)/.exec(row.info)?.[1]);
    await expect.poll(reasons).toEqual(expect.arrayContaining(['bad_signature', 'wrong_file', 'malformed']));
    const denied = logRows('link_denied');
    expect(denied.map((row) => row.info).join('\n')).toMatch(/reason: bad_signature/);
    expect(denied.map((row) => row.info).join('\n')).toMatch(/reason: wrong_file/);
    expect(denied.map((row) => row.info).join('\n')).toMatch(/reason: malformed/);
    const tokenPart = new URL(url).searchParams.get('t')!;
    expect(JSON.stringify(denied)).not.toContain(tokenPart.split('.')[2]);
  });

  it('answers 410 with the UTC time for an expired link', async () => {
    const { url } = await makeLink({ ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await get(url);
    expect(expired.status).toBe(410);
    const { error } = await expired.json();
    expect(error.code).toBe('link_expired');
    expect(error.message).toMatch(/^This link expired at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\.$/);
  });

  it('answers 410 for a revoked link and lists it as revoked', async () => {
    const { id, url } = await makeLink({ ttlSeconds: 600 });
    expect((await get(url)).status).toBe(200);
    expect((await api(`/api/v1/links/${id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await get(url);
    expect(revoked.status).toBe(410);
    expect((await revoked.json()).error.code).toBe('link_revoked');
    const list = await (await api(`/api/v1/links?fileId=${fileId}`)).json();
    expect(list.items.find((l: { id: string }) => l.id === id).status).toBe('revoked');
  });

  it('keeps links made before a rotation working, and signs new ones with the new key', async () => {
    const before = await makeLink({ ttlSeconds: 600 });
    const rotated = await api('/api/v1/keys/rotate', { method: 'POST' });
    expect(rotated.status).toBe(200);
    const ring = await rotated.json();
    expect(ring.keys.filter((k: { verifying: boolean }) => k.verifying).length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(ring)).not.toMatch(/material|"k":/);
    const after = await makeLink({ ttlSeconds: 600 });
    expect((await get(before.url)).status).toBe(200);
    expect((await get(after.url)).status).toBe(200);
    const kid = (url: string) =>
      JSON.parse(Buffer.from(new URL(url).searchParams.get('t')!.split('.')[0], 'base64url').toString()).kid;
    expect(kid(after.url)).not.toBe(kid(before.url));
  });

  it('keeps a share link for an 8-character id under 250 characters', async () => {
    const { url } = await makeLink({ ttlSeconds: 7 * 86_400, maxDownloads: 5 });
    expect(url.length).toBeLessThan(250);
  });
});

describe('two server processes on one database', () => {
  let second: TestServer;
  beforeAll(async () => {
    second = await startTestServer({ DATA_DIR: server.dataDir, TRUST_PROXY: '1', CLOCK_SKEW: '0s' });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
  });

  it('verifies links made on one process on the other, and one-time links stay exactly-once across both', async () => {
    const { url } = await makeLink({ ttlSeconds: 600 });
    expect((await get(url.replace(server.baseURL, second.baseURL))).status).toBe(200);

    const once = await makeLink({ ttlSeconds: 600, maxDownloads: 1 });
    const urls = Array.from({ length: 40 }, (_, i) =>
      i % 2 ? once.url : once.url.replace(server.baseURL, second.baseURL),
    );
    const statuses = (await Promise.all(urls.map((u) => get(u)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(39);
  });

  it('resumes on one process a one-time download cut off on the other (the use is on the shared row)', async () => {
    const { url } = await makeLink({ ttlSeconds: 600, maxDownloads: 1 });
    const etag = await new Promise<string>((resolve, reject) => {
      const request = http.get(url, { headers: { 'X-Forwarded-For': '203.0.113.61' } }, (response) => {
        response.once('data', () => {
          resolve(response.headers.etag as string);
          request.destroy();
        });
      });
      request.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
    });
    const onSecond = url.replace(server.baseURL, second.baseURL);
    const resumed = await get(onSecond, { Range: 'bytes=700000-', 'If-Range': etag }, '198.51.100.62');
    expect(resumed.status).toBe(206);
    expect(Buffer.from(await resumed.arrayBuffer()).equals(CONTENT.subarray(700_000))).toBe(true);
    expect((await get(onSecond, {}, '198.51.100.62')).status).toBe(410);
  });
});

describe('scheduled rotation with two processes', () => {
  it('makes exactly one key per interval', async () => {
    const first = await startTestServer({ ...ADMIN, KEY_ROTATION_INTERVAL: '2s' });
    const second = await startTestServer({ DATA_DIR: first.dataDir, KEY_ROTATION_INTERVAL: '2s' });
    try {
      await new Promise((r) => setTimeout(r, 7000));
      const sqlite = new Database(path.join(first.dataDir, 'fileserver.db'), { readonly: true });
      const keys = sqlite.prepare('SELECT slot FROM SigningKey ORDER BY createdAt').all() as {
        slot: bigint | number | null;
      }[];
      sqlite.close();
      const slots = keys.map((k) => Number(k.slot));
      // One key per 2 s slot, no slot twice, no slot skipped while both ran.
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBe(1);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});
