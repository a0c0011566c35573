// The audit log viewer against a server of its own (so the log holds only what this spec
// did, and anonymizing it touches no other spec): actions done in the UI and over HTTP show
// up with the admin's name and IP, the filters narrow them (times typed in the viewer's time
// zone, sent as UTC), Export CSV downloads exactly the filtered view, anonymized entries are
// marked, and paging goes forward and back to the newest.
import fs from 'node:fs';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { startServer, type TestServer } from './support/server';
import { signInViaApi } from './support/session';

const username = 'admin';
const password = 'logs-Admin-password-1';

test.describe.configure({ mode: 'serial' });
test.use({ storageState: { cookies: [], origins: [] } });

let server: TestServer;
let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  server = await startServer({ ADMIN_USERNAME: username, ADMIN_PASSWORD: password });
  // Half-hour offset, no daylight saving: a time typed here is 5:30 ahead of UTC all year.
  context = await browser.newContext({
    baseURL: server.baseURL,
    timezoneId: 'Asia/Kolkata',
    viewport: { width: 1280, height: 900 },
  });
  await signInViaApi(context.request, username, password);
  page = await context.newPage();
});

test.afterAll(async () => {
  await context?.close();
  await server?.stop();
});

test('the audit log shows, filters and exports what the admin did', async ({ playwright }) => {
  const tokenName = `e2e-audit-${Date.now().toString(36)}`;

  // Some actions: a token made and revoked in the UI, an upload and a download over HTTP, and a
  // failed sign-in from a browser without a session.
  await page.goto('/admin/tokens');
  await page.getByLabel('Name').fill(tokenName);
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByTestId('new-token-value')).toHaveText(/^fsk_/);
  const token = (await page.getByTestId('new-token-value').textContent())!;
  page.once('dialog', (dialog) => dialog.accept());
  const tokenRow = page.getByTestId('token-row').filter({ hasText: tokenName });
  await tokenRow.getByRole('button', { name: 'Revoke' }).click();
  await expect(tokenRow.getByText('Revoked')).toBeVisible();

  const upload = await page.request.post('/api/v1/files', {
    multipart: { file: { name: 'audit-trail.txt', mimeType: 'text/plain', buffer: Buffer.from('who, what, when\n') } },
  });
  expect(upload.status()).toBe(201);
  const fileId: string = (await upload.json()).id;
  expect((await page.request.get(`/${fileId}`)).status()).toBe(200);
  // Downloads are recorded in batches (every 100 ms): let this one land before what follows.
  await expect
    .poll(
      async () => (await (await page.request.get(`/api/v1/logs?action=download&fileId=${fileId}`)).json()).items.length,
    )
    .toBe(1);
  const stranger = await playwright.request.newContext({ baseURL: server.baseURL });
  const { csrfToken } = await (await stranger.get('/api/auth/csrf')).json();
  await stranger.post('/api/auth/callback/credentials', {
    form: { username: 'admin', password: 'not-the-password', csrfToken, json: 'true' },
  });
  await stranger.dispose();

  // Everything is there, newest first, with the admin's name and the loopback IP.
  await page.goto('/admin/logs');
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  const rows = page.getByTestId('log-row');
  await expect(rows.first()).toContainText('login_failed');
  await expect(rows.nth(1)).toContainText('download');
  await expect(rows.nth(1)).toContainText(fileId);

  // Filter by action with the form.
  await page.getByLabel('Action').selectOption('token_create');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/\/admin\/logs\?action=token_create$/);
  const created = rows.filter({ hasText: tokenName });
  await expect(created).toHaveCount(1);
  await expect(created).toContainText('admin');
  await expect(created).toContainText('127.0.0.1');
  await expect(created).toContainText(`name: ${tokenName}`);
  await expect(created).not.toContainText(token);
  for (const action of await rows.locator('td:nth-child(2)').allTextContents()) expect(action).toBe('token_create');

  // Clicking a user narrows further; the filter form follows the URL.
  await created.getByRole('link', { name: 'admin', exact: true }).click();
  await expect(page).toHaveURL(/action=token_create&user=admin/);
  await expect(page.getByLabel('User', { exact: true })).toHaveValue('admin');

  // Export CSV downloads the filtered view.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Export CSV/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d\d-\d\d\.csv$/);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  const lines = csv.split('\r\n');
  expect(lines[0]).toBe('timestamp,action,user,ip,file_id,info,anonymized');
  const line = lines.find((l) => l.includes(tokenName));
  expect(line).toMatch(
    new RegExp(
      `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,token_create,admin,127\\.0\\.0\\.1,,"name: ${tokenName}, id: [^"]+",false$`,
    ),
  );
  expect(lines.slice(1, -1).every((l) => l.split(',')[1] === 'token_create')).toBe(true);
  expect(csv).not.toContain(token);

  // Times: typed in the viewer's zone (UTC+5:30), sent as UTC.
  await page.goto('/admin/logs');
  await page.getByLabel('From').fill('2020-01-01T05:30');
  await page.getByLabel('Until (before)').fill('2020-01-02T05:30');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/since=2020-01-01T00%3A00%3A00\.000Z&until=2020-01-02T00%3A00%3A00\.000Z/);
  await expect(page.getByText('No entries match these filters.')).toBeVisible();
  await expect(page.getByLabel('From')).toHaveValue('2020-01-01T05:30');
  await expect(
    page.getByText('Times are in Asia/Calcutta').or(page.getByText('Times are in Asia/Kolkata')),
  ).toBeVisible();

  // The screenshot: the whole log, a page of varied entries.
  await page.goto('/admin/logs');
  await expect(rows.first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/logs.png', fullPage: true });
});

test('anonymized entries are marked, and paging goes back to the newest', async () => {
  const result = server.cli(['logs', 'anonymize', '--older-than', '0d']);
  expect(result.stdout).toMatch(/^Anonymized \d+ entries older than 0 days \(before .+ UTC\)\.\n$/);
  await page.goto('/admin/logs?limit=3');
  const rows = page.getByTestId('log-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('anonymize');
  await expect(rows.first()).toContainText('cli');
  await expect(rows.nth(1).getByText('anonymized', { exact: true })).toBeVisible();
  await expect(rows.nth(1)).not.toContainText('127.0.0.1');

  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/limit=3&cursor=/);
  await expect(rows).toHaveCount(3);
  await page.getByRole('link', { name: 'Newest' }).click();
  await expect(page).toHaveURL(/\/admin\/logs\?limit=3$/);
  await expect(rows.first()).toContainText('anonymize');
  await page.screenshot({ path: 'test-results/screens/logs-anonymized.png', fullPage: true });
});
