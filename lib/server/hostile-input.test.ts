// Hostile requests against the production server, each as an attacker would send it: writes
// with the admin cookie from another site (CSRF), methods and paths that used to reach Next and
// end in a 500, names that hide a path or disguise themselves, and the modes of what is stored.
// Needs `npm run build` (npm test builds before it runs these).
import Database from 'better-sqlite3';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'hostadmin', ADMIN_PASSWORD: 'hostile-Password-1' };

let server: TestServer;
let cookie: string;
let token: string;
let host: string;

beforeAll(async () => {
  server = await startTestServer(ADMIN);
  host = new URL(server.baseURL).host;
  cookie = await signIn(server.baseURL, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
  const created = server.cli(['token', 'create', 'hostile', '--expires', '1d']);
  expect(created.status, created.stderr).toBe(0);
  token = /fsk_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

type Raw = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** A request exactly as given (Node's fetch would refuse TRACE or fix up the path). */
function raw(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: new URL(server.baseURL).port,
      method,
      path: target,
      headers,
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (c) => (text += c));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const BOUNDARY = '----hostile-boundary';
function multipart(filename: string, content = 'hello'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`,
  );
}

function uploadRaw(filename: string, headers: Record<string, string>, query = '', content = 'hello') {
  const body = multipart(filename, content);
  return raw(
    'POST',
    `/api/v1/files${query}`,
    { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(body.length), ...headers },
    body,
  );
}

function storedNames(): string[] {
  return fs.readdirSync(path.join(server.dataDir, 'files')).filter((name) => !name.startsWith('.'));
}

describe('CSRF: writes with the session cookie must come from our own pages', () => {
  const refused: [string, Record<string, string>][] = [
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'Sec-Fetch-Site': 'same-site' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Origin: null without Sec-Fetch-Site', { Origin: 'null' }],
    ['a foreign Origin without Sec-Fetch-Site', { Origin: 'http://evil.example' }],
    ['Origin: null with Sec-Fetch-Site: same-site', { Origin: 'null', 'Sec-Fetch-Site': 'same-site' }],
  ];
  for (const [what, headers] of refused) {
    it(`refuses an upload with the cookie and ${what} (403, nothing stored)`, async () => {
      const before = storedNames().length;
      const name = `csrf-${Object.values(headers).join('-').replace(/\W/g, '')}.txt`;
      const response = await uploadRaw(name, { Cookie: cookie, ...headers });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'forbidden' } });
      expect(storedNames()).toHaveLength(before);
    });
  }

  it('refuses a PATCH through Next (visibility) from a sibling site', async () => {
    const made = await uploadRaw('csrf-patch.txt', { Authorization: `Bearer ${token}` });
    expect(made.status).toBe(201);
    const { id } = JSON.parse(made.body) as { id: string };
    const body = JSON.stringify({ visibility: 'public' });
    const response = await raw(
      'PATCH',
      `/api/v1/files/${id}`,
      { Cookie: cookie, 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'application/json' },
      body,
    );
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'forbidden' } });
    const after = await fetch(`${server.baseURL}/api/v1/files/${id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(((await after.json()) as { visibility: string }).visibility).toBe('private');
  });

  it('refuses a resumable upload (tus) created with the cookie from another site', async () => {
    const response = await raw('POST', '/api/uploads', {
      Cookie: cookie,
      Origin: 'http://evil.example',
      'Tus-Resumable': '1.0.0',
      'Upload-Length': '5',
      'Upload-Metadata': `filename ${Buffer.from('csrf-tus.txt').toString('base64')}`,
    });
    expect(response.status).toBe(403);
  });

  it('refuses a server action from a foreign Origin with 403, not a 500', async () => {
    const response = await raw(
      'POST',
      '/admin',
      { Cookie: cookie, Origin: 'http://evil.example', 'Next-Action': '0'.repeat(40), 'Content-Type': 'text/plain' },
      '[]',
    );
    expect(response.status).toBe(403);
  });

  it('allows our own pages: Sec-Fetch-Site: same-origin, a same-host Origin, or no browser headers at all', async () => {
    for (const [i, headers] of (
      [{ 'Sec-Fetch-Site': 'same-origin', Origin: 'null' }, { Origin: `http://${host}` }, {}] as Record<
        string,
        string
      >[]
    ).entries()) {
      const response = await uploadRaw(`csrf-ok-${i}.txt`, { Cookie: cookie, ...headers });
      expect(response.status, response.body).toBe(201);
    }
  });

  it('does not apply to API tokens, which a browser never sends by itself', async () => {
    const response = await uploadRaw('csrf-token.txt', {
      Authorization: `Bearer ${token}`,
      Origin: 'http://evil.example',
      'Sec-Fetch-Site': 'cross-site',
    });
    expect(response.status).toBe(201);
  });
});

describe('malformed requests get a 4xx, never a 5xx', () => {
  it('answers TRACE and other unknown methods with 405 and Allow, on every kind of path', async () => {
    for (const target of ['/', '/admin', '/api/v1/files', '/api/health', '/abcdefgh', '/signin']) {
      for (const method of ['TRACE', 'PROPFIND']) {
        const response = await raw(method, target, { Cookie: cookie });
        expect(response.status, `${method} ${target}`).toBe(405);
        expect(response.headers.allow).toContain('GET');
      }
    }
  });

  it('answers a broken %-escape in the path of any route with 400', async () => {
    for (const target of [
      '/api/v1/files/%ff',
      '/api/auth/%ff',
      '/setup/%ff',
      '/admin/%c3%28',
      '/api/v1/links/%e2%82',
      '/signin/%',
    ]) {
      const response = await raw('GET', target, { Cookie: cookie, Accept: 'application/json' });
      expect(response.status, target).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'bad_request' } });
      expect(response.body).not.toMatch(/at .*\.js|URIError/);
    }
  });

  it('answers targets that are not a path (OPTIONS *) with 400', async () => {
    const response = await raw('OPTIONS', '*');
    expect(response.status).toBe(400);
  });

  it('answers writes to a page that are not server actions with 405 (Next would try to decode a form action)', async () => {
    for (const [target, type, body] of [
      ['/signin', 'multipart/form-data; boundary=x', 'xxxxx'],
      ['/admin', 'application/x-www-form-urlencoded', 'a=b'],
      ['/setup', 'text/plain', '[]'],
    ]) {
      const response = await raw('POST', target, { 'Content-Type': type, Accept: 'application/json' }, body);
      expect(response.status, target).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD, OPTIONS');
    }
  });

  it('answers a server action call with a malformed action id or empty Origin without a 5xx', async () => {
    const attempts: Record<string, string>[] = [
      { 'Next-Action': 'abc', Origin: '' },
      { 'Next-Action': 'abc' },
      { 'Next-Action': 'abc', 'Content-Type': 'text/plain;charset=UTF-8', Origin: `http://${host}` },
      { 'Next-Action': 'f'.repeat(42), Origin: '' },
      { 'Next-Action': 'f'.repeat(42), 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'text/plain;charset=UTF-8' },
    ];
    for (const headers of attempts) {
      for (const target of ['/admin', '/signin', '/setup/x']) {
        const response = await raw('POST', target, { Cookie: cookie, ...headers }, '[]');
        expect(response.status, `${target} ${JSON.stringify(headers)}`).toBeLessThan(500);
        expect(response.status, `${target} ${JSON.stringify(headers)}`).not.toBe(200);
      }
    }
  });

  it('answers a tus Upload-Concat (parallel uploads, not supported) with 400, not 501', async () => {
    const response = await raw('POST', '/api/uploads', {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Concat': 'partial',
      'Upload-Length': '5',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'bad_request' } });
  });
});

describe('one rule for file names, whatever the way in', () => {
  it('refuses a multipart filename with a directory part instead of shortening it (and replacing another file)', async () => {
    const original = await uploadRaw('x.txt', { Authorization: `Bearer ${token}` }, '', 'original');
    expect(original.status).toBe(201);
    const { id } = JSON.parse(original.body) as { id: string };
    for (const name of ['reports/2026/x.txt', 'reports\\\\2026\\\\x.txt', '../x.txt']) {
      const response = await uploadRaw(name, { Authorization: `Bearer ${token}` }, '?replace=1', 'evil');
      expect(response.status, name).toBe(422);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'validation_failed' } });
    }
    const still = await fetch(`${server.baseURL}/${id}`, { headers: { Cookie: cookie } });
    expect(await still.text()).toBe('original');
  });

  it('refuses bidirectional control characters that disguise a name (multipart and tus)', async () => {
    const disguised = 'invoice_\u202Efdp.exe';
    const response = await uploadRaw(disguised, { Authorization: `Bearer ${token}` });
    expect(response.status).toBe(422);
    const tus = await raw('POST', '/api/uploads', {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': '5',
      'Upload-Metadata': `filename ${Buffer.from(disguised).toString('base64')}`,
    });
    expect(tus.status).toBe(422);
  });
});

describe('a flood of forged links', () => {
  it('writes a handful of link_denied rows per client and reason, not one per request', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => raw('GET', `/AAAAAAAA?t=forged-${i}`, { Accept: 'application/json' })),
    );
    expect(results.every((r) => r.status === 403)).toBe(true);
    const sqlite = new Database(path.join(server.dataDir, 'fileserver.db'), { readonly: true });
    try {
      const count = () =>
        (sqlite.prepare(`SELECT count(*) AS n FROM "Log" WHERE action = 'link_denied'`).get() as { n: number }).n;
      // The first rows of the window arrive in one batch; the rest is one counted entry when it closes.
      await expect.poll(count).toBeGreaterThanOrEqual(10);
      expect(count()).toBeLessThanOrEqual(11);
    } finally {
      sqlite.close();
    }
  });
});

describe('what the server stores is readable by its own user only', () => {
  it('creates the database, stored files and partial uploads 0600 and their directories 0700', async () => {
    const made = await uploadRaw('mode-check.txt', { Authorization: `Bearer ${token}` });
    expect(made.status).toBe(201);
    const { id } = JSON.parse(made.body) as { id: string };
    const partial = await raw('POST', '/api/uploads', {
      Authorization: `Bearer ${token}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': '10',
      'Upload-Metadata': `filename ${Buffer.from('mode-partial.txt').toString('base64')}`,
    });
    expect(partial.status).toBe(201);
    const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
    const files = path.join(server.dataDir, 'files');
    expect(mode(path.join(server.dataDir, 'fileserver.db'))).toBe('600');
    expect(mode(path.join(server.dataDir, 'fileserver.db-wal'))).toBe('600');
    expect(mode(path.join(files, id))).toBe('600');
    expect(mode(server.dataDir)).toBe('700');
    expect(mode(files)).toBe('700');
    const tusDir = path.join(files, '.tus');
    for (const name of fs.readdirSync(tusDir)) expect(mode(path.join(tusDir, name)), name).toBe('600');
    expect(mode(tusDir)).toBe('700');
  });

  it('narrows at start what an earlier version left readable by others', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-modes-'));
    fs.chmodSync(dataDir, 0o755);
    fs.mkdirSync(path.join(dataDir, 'files'), { mode: 0o755 });
    fs.writeFileSync(path.join(dataDir, 'fileserver.db'), '', { mode: 0o644 });
    const other = await startTestServer({ DATA_DIR: dataDir });
    try {
      const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
      expect(mode(dataDir)).toBe('700');
      expect(mode(path.join(dataDir, 'files'))).toBe('700');
      expect(mode(path.join(dataDir, 'fileserver.db'))).toBe('600');
    } finally {
      await other.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
