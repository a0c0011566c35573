// The files page against a server of its own (1 MiB upload chunks, a 20 MiB limit, an empty
// data dir): drag-and-drop uploads with progress, search, sort and paging, visibility and
// public downloads, delete, the name-exists error with Replace, the size limit, and an upload
// that survives a dropped connection (Retry) and a page reload (pick the same file again).
import crypto from 'node:crypto';
import { expect, test, type BrowserContext, type JSHandle, type Page } from '@playwright/test';
import { startServer, type TestServer } from './support/server';
import { signInViaApi } from './support/session';

const MiB = 1024 * 1024;
const username = 'files-admin';
const password = 'files-Admin-password-1';

test.describe.configure({ mode: 'serial' });
test.use({ storageState: { cookies: [], origins: [] } });

let server: TestServer;
let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  server = await startServer({
    UPLOAD_CHUNK_SIZE: '1MiB',
    MAX_UPLOAD_SIZE: '20MiB',
    ADMIN_USERNAME: username,
    ADMIN_PASSWORD: password,
  });
  context = await browser.newContext({ baseURL: server.baseURL, viewport: { width: 1280, height: 800 } });
  await signInViaApi(context.request, username, password);
  page = await context.newPage();
  // Leaving the page mid-upload asks first; the reload test means it.
  page.on('dialog', (dialog) => void dialog.accept());
});

test.afterAll(async () => {
  await context?.close();
  await server?.stop();
});

type FileSpec = { name: string; text?: string; type?: string };

/** Drops files on the page the way a browser does: dragenter, dragover, drop with a DataTransfer. */
async function dropFiles(
  files: FileSpec[] | JSHandle<DataTransfer>,
  { showOverlay }: { showOverlay?: (page: Page) => Promise<unknown> } = {},
) {
  const dataTransfer = Array.isArray(files)
    ? await page.evaluateHandle((specs) => {
        const transfer = new DataTransfer();
        for (const spec of specs)
          transfer.items.add(new File([spec.text ?? ''], spec.name, { type: spec.type ?? 'text/plain' }));
        return transfer;
      }, files)
    : files;
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await showOverlay?.(page);
  await page.dispatchEvent('main', 'drop', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeHidden();
}

const uploadRow = (name: string) => page.getByTestId('upload-row').filter({ hasText: name });
const fileRow = (name: string) => page.getByTestId('file-row').filter({ hasText: name });

async function idOf(name: string): Promise<string> {
  return (await fileRow(name).getByTestId('file-id').textContent())!.trim();
}

test('a new admin sees what to do on the empty files page', async () => {
  await page.goto('/admin');
  await expect(page.getByRole('heading', { name: 'Files', exact: true })).toBeVisible();
  const empty = page.getByTestId('files-empty');
  await expect(empty).toContainText('No files yet');
  await expect(empty).toContainText('Drop files anywhere on this page');
  await expect(empty).toContainText('Files are private until you make them public; share private files with links.');
  await expect(page.getByTestId('upload-limit')).toContainText('up to 20 MiB each');
  await page.screenshot({ path: 'test-results/screens/files-empty.png', fullPage: true });
});

test('two files dropped on the page upload with progress rows and appear in the list', async () => {
  await page.goto('/admin');
  await dropFiles(
    [
      { name: 'alpha notes.txt', text: 'alpha '.repeat(1000) },
      { name: 'bravo.csv', text: 'a,b\n1,2\n', type: 'text/csv' },
    ],
    { showOverlay: (p) => p.screenshot({ path: 'test-results/screens/files-drop-overlay.png' }) },
  );
  for (const name of ['alpha notes.txt', 'bravo.csv']) {
    const row = uploadRow(name);
    await expect(row.getByRole('progressbar')).toBeVisible();
    await expect(row).toHaveAttribute('data-status', 'done');
    await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    await expect(row.getByTestId('upload-detail')).toContainText(/Uploaded .* as [A-Za-z0-9_-]{8}\./);
  }
  // The list refreshed by itself.
  await expect(fileRow('alpha notes.txt')).toBeVisible();
  await expect(fileRow('bravo.csv')).toBeVisible();
  await expect(fileRow('alpha notes.txt')).toContainText('5.9 KiB');
  await expect(fileRow('alpha notes.txt').getByTestId('visibility')).toHaveText('Private');
  await expect(fileRow('bravo.csv')).toContainText('text/csv');
  await expect(page.getByTestId('files-empty')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/screens/files-uploaded.png', fullPage: true });

  await page.getByRole('button', { name: 'Clear finished' }).click();
  await expect(page.getByTestId('upload-row')).toHaveCount(0);
});

test('the search box finds a file by name and by id, through ?q=', async () => {
  await page.goto('/admin');
  const search = page.getByRole('searchbox', { name: 'Search files by name or id' });
  await search.fill('ALPHA');
  await expect(page).toHaveURL(/\?q=ALPHA$/);
  await expect(page.getByTestId('file-row')).toHaveCount(1);
  await expect(fileRow('alpha notes.txt')).toBeVisible();

  await page.goto('/admin');
  const bravoId = await idOf('bravo.csv');
  await search.fill(bravoId);
  await expect(page).toHaveURL(new RegExp(`\\?q=${bravoId}$`));
  await expect(page.getByTestId('file-row')).toHaveCount(1);
  await expect(fileRow('bravo.csv')).toBeVisible();

  await search.fill('no such thing');
  await expect(page.locator('main')).toContainText('No file name or id matches');
  await page.getByRole('link', { name: 'Clear the search' }).click();
  await expect(page.getByTestId('file-row')).toHaveCount(2);
});

test('sorting by the column headers and cursor paging are in the URL', async () => {
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Size' }).click();
  await expect(page).toHaveURL(/\?sort=size$/);
  await expect(page.getByTestId('file-row').first()).toContainText('alpha notes.txt');
  await page.getByRole('link', { name: 'Size' }).click();
  await expect(page).toHaveURL(/\?sort=size&order=asc$/);
  await expect(page.getByTestId('file-row').first()).toContainText('bravo.csv');

  await page.goto('/admin?sort=name&limit=1');
  await expect(page.getByTestId('file-row')).toHaveCount(1);
  await expect(page.getByTestId('file-row')).toContainText('alpha notes.txt');
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.getByTestId('file-row')).toContainText('bravo.csv');
  await expect(page.getByRole('link', { name: 'Next page' })).toHaveCount(0);
  await page.getByRole('link', { name: 'First page' }).click();
  await expect(page.getByTestId('file-row')).toContainText('alpha notes.txt');
});

test('a public file downloads without a session; a private one is 404', async ({ playwright }) => {
  await page.goto('/admin');
  const alphaId = await idOf('alpha notes.txt');
  const bravoId = await idOf('bravo.csv');
  const toggle = fileRow('alpha notes.txt').getByRole('switch', { name: 'Public: alpha notes.txt' });
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(fileRow('alpha notes.txt').getByTestId('visibility')).toHaveText('Public');

  const anonymous = await playwright.request.newContext({ baseURL: server.baseURL });
  const download = await anonymous.get(`/${alphaId}`);
  expect(download.status()).toBe(200);
  expect((await download.body()).toString()).toBe('alpha '.repeat(1000));
  expect(download.headers()['content-length']).toBe('6000');
  expect((await anonymous.get(`/${bravoId}`)).status()).toBe(404);
  // With the admin's session the private one is there.
  expect((await context.request.get(`/${bravoId}`)).status()).toBe(200);

  // And back: private again means 404 for everyone else.
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  expect((await anonymous.get(`/${alphaId}`)).status()).toBe(404);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await anonymous.dispose();
});

test('a name that exists shows the error with Replace, and Replace overwrites it', async ({ playwright }) => {
  await page.goto('/admin');
  const alphaId = await idOf('alpha notes.txt');
  await dropFiles([{ name: 'alpha notes.txt', text: 'the new alpha' }]);
  const row = uploadRow('alpha notes.txt');
  await expect(row).toHaveAttribute('data-status', 'failed');
  await expect(row.getByTestId('upload-detail')).toHaveText('A file named "alpha notes.txt" already exists.');
  await page.screenshot({ path: 'test-results/screens/files-name-exists.png', fullPage: true });

  await row.getByRole('button', { name: 'Replace' }).click();
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.getByTestId('upload-detail')).toContainText(`as ${alphaId}.`);
  // Same id and link; still public; the new bytes.
  const anonymous = await playwright.request.newContext({ baseURL: server.baseURL });
  const download = await anonymous.get(`/${alphaId}`);
  expect(download.status()).toBe(200);
  expect(await download.text()).toBe('the new alpha');
  await anonymous.dispose();
});

test('a file over the limit is refused at once with the limit named', async () => {
  await page.goto('/admin');
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(21 * 1024 * 1024)], 'too-big.iso'));
    return transfer;
  });
  await dropFiles(dataTransfer);
  const row = uploadRow('too-big.iso');
  await expect(row).toHaveAttribute('data-status', 'failed');
  await expect(row.getByTestId('upload-detail')).toHaveText('Too large: 21 MiB, the upload limit is 20 MiB.');
  await row.getByRole('button', { name: 'Dismiss too-big.iso' }).click();
  await expect(row).toHaveCount(0);
});

test('delete asks for confirmation and removes the file and its download', async () => {
  await page.goto('/admin');
  const bravoId = await idOf('bravo.csv');
  let question = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
  });
  await fileRow('bravo.csv').getByRole('button', { name: 'Delete bravo.csv' }).click();
  await expect(fileRow('bravo.csv')).toHaveCount(0);
  expect(question).toContain('Delete "bravo.csv"?');
  expect((await context.request.get(`/${bravoId}`)).status()).toBe(404);
});

// 12 MiB of deterministic bytes (xorshift32), made the same way in the page and here.
const BIG = { name: 'big-video.bin', size: 12 * MiB, seed: 2463534242, lastModified: 1_700_000_000_000 };

function bigBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 255;
  }
  return out;
}

/** The same File as before (bytes, name, type, date), as picking it again from disk would give. */
function bigFileTransfer(): Promise<JSHandle<DataTransfer>> {
  return page.evaluateHandle(({ name, size, seed, lastModified }) => {
    const out = new Uint8Array(size);
    let x = seed >>> 0;
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 255;
    }
    const transfer = new DataTransfer();
    transfer.items.add(new File([out], name, { type: 'application/octet-stream', lastModified }));
    return transfer;
  }, BIG);
}

test('an upload continues after a dropped connection (Retry) and after a page reload (same file again)', async () => {
  test.setTimeout(120_000);
  const expected = crypto.createHash('sha256').update(bigBytes(BIG.size, BIG.seed)).digest('hex');

  // The network: PATCH requests pass while `allowed` lasts, slowed a little so progress shows;
  // after that they fail like a dropped connection.
  let allowed = 3;
  const passed: number[] = [];
  const dropped: number[] = [];
  await page.route('**/api/uploads/*', async (route) => {
    const request = route.request();
    if (request.method() !== 'PATCH') return route.continue();
    const offset = Number(request.headers()['upload-offset']);
    if (allowed <= 0) {
      dropped.push(offset);
      return route.abort('connectionreset');
    }
    allowed -= 1;
    passed.push(offset);
    await new Promise((resolve) => setTimeout(resolve, 250));
    return route.continue();
  });

  await page.goto('/admin');
  await dropFiles(await bigFileTransfer());
  const row = uploadRow(BIG.name);

  // Three chunks arrive, then the connection drops; tus-js-client retries, then the row says so.
  await expect(row.getByTestId('upload-detail')).toContainText(
    /3\.0 MiB of 12 MiB · Connection lost, trying again \(\d of 4\)/,
  );
  await expect(row).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(row.getByTestId('upload-detail')).toContainText('Network error');
  await expect(row).toContainText('Interrupted at 25%');
  await expect(row.getByRole('button', { name: 'Retry' })).toBeVisible();
  await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '25');
  expect(passed).toEqual([0, 1, 2].map((n) => n * MiB));
  expect(dropped.every((offset) => offset === 3 * MiB)).toBe(true);
  await page.screenshot({ path: 'test-results/screens/files-network-error.png', fullPage: true });

  // Retry continues from the server's offset, not from the start.
  passed.length = 0;
  allowed = 3;
  await row.getByRole('button', { name: 'Retry' }).click();
  await expect(row).toHaveAttribute('data-status', 'uploading');
  await expect(row.getByTestId('upload-detail')).toContainText(
    /Resumed · [\d.]+ MiB of 12 MiB · [\d.]+ [KM]iB\/s · \d+ s left/,
  );
  await page.screenshot({ path: 'test-results/screens/files-uploading.png', fullPage: true });
  await expect.poll(() => dropped.includes(6 * MiB)).toBe(true);
  expect(passed).toEqual([3, 4, 5].map((n) => n * MiB));

  // The page is reloaded mid-upload: the upload is listed as unfinished.
  await page.reload();
  const unfinished = page.getByTestId('unfinished-uploads');
  await expect(unfinished).toContainText(BIG.name);
  await expect(unfinished).toContainText('12 MiB');
  await page.screenshot({ path: 'test-results/screens/files-unfinished.png', fullPage: true });

  // The same file picked again continues at 6 MiB and finishes.
  passed.length = 0;
  allowed = Infinity;
  await dropFiles(await bigFileTransfer());
  await expect(unfinished).toHaveCount(0);
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  expect(passed[0]).toBe(6 * MiB);
  expect(passed).toEqual([6, 7, 8, 9, 10, 11].map((n) => n * MiB));

  const id = (await row.getByTestId('upload-detail').textContent())!.match(/as ([A-Za-z0-9_-]{8})\./)![1];
  await expect(fileRow(BIG.name)).toContainText('12 MiB');
  const download = await context.request.get(`/${id}`);
  expect(download.status()).toBe(200);
  expect(download.headers()['content-length']).toBe(String(BIG.size));
  expect(
    crypto
      .createHash('sha256')
      .update(await download.body())
      .digest('hex'),
  ).toBe(expected);
  await page.screenshot({ path: 'test-results/screens/files-list.png', fullPage: true });

  // Finished uploads are forgotten: after a reload nothing is offered for resuming.
  await page.reload();
  await expect(page.getByTestId('unfinished-uploads')).toHaveCount(0);
  await page.unroute('**/api/uploads/*');
});
