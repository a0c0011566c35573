// The audit log through the production server: `GET /api/v1/logs` (filters, paging, errors),
// the viewer page, its CSV export, and `logs anonymize` as the viewer then shows it. Needs
// `npm run build` (npm test builds before it runs these).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'logadmin', ADMIN_PASSWORD: 'integration-Password-1' };

type Item = {
  id: number;
  timestamp: string;
  action: string;
  user: string | null;
  ip: string | null;
  info: string;
  fileId: string | null;
  anonymized: boolean;
};

let server: TestServer;
let cookie: string;
let token: string;
let fileId: string;

const api = (query: string, headers: Record<string, string> = { Authorization: `Bearer ${token}` }) =>
  fetch(`${server.baseURL}/api/v1/logs${query}`, { headers });

async function items(query: string): Promise<{ items: Item[]; nextCursor: string | null }> {
  const response = await api(query);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

beforeAll(async () => {
  server = await startTestServer(ADMIN);
  cookie = await signIn(server.baseURL, ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
  const created = server.cli(['token', 'create', 'audit-it', '--expires', '1d']);
  expect(created.status, created.stderr).toBe(0);
  token = /fsk_[A-Za-z0-9_-]{43}/.exec(created.stdout)![0];

  // An upload by token and a download by session: two more entries with user and IP.
  const form = new FormData();
  form.append('file', new Blob(['quarterly numbers\n']), 'Quarterly, final.txt');
  const upload = await fetch(`${server.baseURL}/api/v1/files`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  expect(upload.status).toBe(201);
  fileId = (await upload.json()).id;
  const download = await fetch(`${server.baseURL}/${fileId}`, { headers: { Cookie: cookie } });
  expect(await download.text()).toBe('quarterly numbers\n');
  // Downloads are recorded in batches (every 100 ms): wait until this one is stored.
  for (let waited = 0; (await items('?action=download')).items.length === 0; waited += 50) {
    if (waited > 5000) throw new Error('the download was not recorded');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('GET /api/v1/logs', () => {
  it('needs a token or a session', async () => {
    const response = await api('', {});
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthorized');
  });

  it('lists what happened, newest first, with user, IP and UTC times', async () => {
    const { items: entries, nextCursor } = await items('');
    expect(nextCursor).toBeNull();
    expect(entries.map((entry) => entry.action).slice(0, 4)).toEqual(['download', 'upload', 'token_create', 'login']);
    const [download, upload, tokenCreate, login] = entries;
    expect(download).toMatchObject({ user: 'logadmin', ip: '127.0.0.1', fileId, anonymized: false });
    expect(download.info).toMatch(new RegExp(`^file_id: ${fileId}, name: Quarterly, final.txt, bytes: 18$`));
    expect(upload).toMatchObject({ action: 'upload', user: 'logadmin (token: audit-it)', ip: '127.0.0.1', fileId });
    expect(tokenCreate).toMatchObject({ user: 'cli', ip: 'terminal' });
    expect(tokenCreate.info).not.toContain(token);
    expect(login).toMatchObject({ user: 'logadmin', ip: '127.0.0.1', fileId: null });
    for (const entry of entries) {
      expect(entry.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Math.abs(Date.parse(entry.timestamp) - Date.now())).toBeLessThan(10 * 60_000);
    }
    expect(entries.map((entry) => entry.id)).toEqual([...entries.map((entry) => entry.id)].sort((a, b) => b - a));
  });

  it('filters by action, user, ip, file and time, and pages with the cursor', async () => {
    const all = (await items('')).items;
    expect((await items('?action=login')).items.map((e) => e.id)).toEqual(
      all.filter((e) => e.action === 'login').map((e) => e.id),
    );
    expect((await items('?user=cli')).items.every((e) => e.user === 'cli')).toBe(true);
    expect((await items('?ip=::ffff:127.0.0.1')).items.length).toBe(all.filter((e) => e.ip === '127.0.0.1').length);
    expect((await items(`?fileId=${encodeURIComponent(fileId)}&action=download`)).items).toHaveLength(1);
    const upload = all.find((e) => e.action === 'upload')!;
    const window = await items(
      `?since=${encodeURIComponent(upload.timestamp)}&until=${encodeURIComponent(new Date(Date.parse(upload.timestamp) + 1).toISOString())}`,
    );
    expect(window.items.map((e) => e.action)).toContain('upload');
    expect(window.items.every((e) => e.timestamp === upload.timestamp)).toBe(true);

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await items(
        `?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBe(1);
      paged.push(page.items[0].id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.map((e) => e.id));
  });

  it('explains bad filters with 422 and a bad cursor with 400', async () => {
    const action = await api('?action=frobnicate');
    expect(action.status).toBe(422);
    expect((await action.json()).error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/^action: must be one of /),
    });
    const since = await api('?since=last%20tuesday');
    expect(since.status).toBe(422);
    expect((await since.json()).error.message).toMatch(/^since: must be an ISO 8601 time/);
    const limit = await api('?limit=501');
    expect((await limit.json()).error.message).toBe('limit: must be at most 500.');
    const cursor = await api('?cursor=garbage');
    expect(cursor.status).toBe(400);
    expect((await cursor.json()).error.code).toBe('bad_request');
  });
});

describe('the viewer and its CSV export', () => {
  it('shows the log page to a signed-in admin', async () => {
    const page = await fetch(`${server.baseURL}/admin/logs?action=download`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Audit log');
    expect(html).toContain(fileId);
    expect(html.match(/data-testid="log-row"/g)).toHaveLength(1);
  });

  it('exports the filtered log as a CSV attachment', async () => {
    const response = await fetch(`${server.baseURL}/admin/logs/export?user=logadmin`, { headers: { Cookie: cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="audit-log-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const lines = (await response.text()).split('\r\n');
    expect(lines[0]).toBe('timestamp,action,user,ip,file_id,info,anonymized');
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\S+Z,download,logadmin,127\\.0\\.0\\.1,${fileId},"file_id: ${fileId}, name: Quarterly, final.txt, bytes: 18",false$`,
      ),
    );
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -1).every((line) => line.split(',')[2] === 'logadmin')).toBe(true);
  });

  it('refuses the export without a valid session', async () => {
    const forged = await fetch(`${server.baseURL}/admin/logs/export`, {
      headers: { Cookie: 'next-auth.session-token=forged' },
    });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('unauthorized');
    const none = await fetch(`${server.baseURL}/admin/logs/export`, { redirect: 'manual' });
    expect(none.status).toBe(307);
    expect(none.headers.get('location')).toMatch(/\/signin\?callbackUrl=/);
  });
});

describe('logs anonymize as the API then shows it', () => {
  it('redacts every entry with --older-than 0d and records the run', async () => {
    const before = (await items('')).items.length;
    const result = server.cli(['logs', 'anonymize', '--older-than', '0d']);
    expect(result.status, result.stderr).toBe(0);
    // The API calls above were not logged; the listing itself is not an action.
    expect(result.stdout).toMatch(
      new RegExp(`^Anonymized ${before} entries older than 0 days \\(before .+ UTC\\)\\.\\n$`),
    );
    const after = (await items('')).items;
    expect(after[0]).toMatchObject({
      action: 'anonymize',
      user: 'cli',
      ip: 'terminal',
      anonymized: false,
      info: expect.stringMatching(`^count: ${before}, `),
    });
    for (const entry of after.slice(1))
      expect(entry).toMatchObject({ user: 'anonymized', ip: 'anonymized', anonymized: true });
    expect(after.find((e) => e.action === 'download')).toMatchObject({
      fileId,
      info: expect.stringContaining('bytes: 18'),
    });
  });
});
