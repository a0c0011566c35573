// Share links in the admin UI: the share dialog (one-time link, copy button, QR code), the
// recipient's side in a fresh browser (landing page, Download, the 410 page once used), revoking
// from the links page, rotating the key on the keys page (older links keep working) and the
// emergency stop (older links are refused, new ones work).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';

test.describe.configure({ mode: 'serial' });

const fileName = `share-me-${crypto.randomBytes(4).toString('hex')}.txt`;
const content = `Quarterly numbers ${crypto.randomBytes(8).toString('hex')}\n`;
let fileId: string;

/** The link id (jti) carried in a tracked link's token; undefined for an untracked link. */
function linkIdOf(url: string): string | undefined {
  const token = new URL(url).searchParams.get('t')!;
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti;
}

/** A browser with no session: what a recipient of the link has. */
async function recipientPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ storageState: undefined });
  return context.newPage();
}

async function openShareDialog(page: Page) {
  await page.goto(`/admin/links?fileId=${encodeURIComponent(fileId)}`);
  await page.getByRole('button', { name: `Share ${fileName}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Share link' });
  await expect(dialog).toBeVisible();
  return dialog;
}

async function createLinkInDialog(page: Page, choose?: (dialog: Locator) => Promise<void>): Promise<string> {
  const dialog = await openShareDialog(page);
  await choose?.(dialog);
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const url = await dialog.getByLabel('Link', { exact: true }).inputValue();
  expect(url).toMatch(/\?t=[\w-]+\.[\w-]+\.[\w-]+$/);
  return url;
}

test.beforeAll(async ({ request }) => {
  const upload = await request.post('/api/v1/files', {
    multipart: { file: { name: fileName, mimeType: 'text/plain', buffer: Buffer.from(content) } },
  });
  expect(upload.status(), await upload.text()).toBe(201);
  fileId = (await upload.json()).id;
});

test('a one-time link made in the share dialog downloads once in a fresh browser, then says it was used', async ({
  page,
  browser,
  context,
}) => {
  const dialog = await openShareDialog(page);
  // Opening focuses the dialog's first choice; the UI says links are tracked and revocable.
  await expect(dialog.getByRole('radio', { name: '1 day' })).toBeFocused();
  await expect(dialog.getByText('Links are tracked')).toBeVisible();
  // Escape closes it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await page.getByRole('button', { name: `Share ${fileName}` }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByText('1 hour').click();
  await dialog.getByLabel('Only once (one-time link)').check();
  await dialog.screenshot({ path: 'test-results/screens/share-dialog-form.png' });
  await dialog.getByRole('button', { name: 'Create link' }).click();

  const urlField = dialog.getByLabel('Link', { exact: true });
  const url = await urlField.inputValue();
  expect(url).toMatch(/\?t=[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(url.length).toBeLessThan(250);
  await expect(dialog.getByTestId('share-result-uses')).toHaveText('Once (one-time link)');
  const qr = dialog.getByRole('img', { name: `QR code of the link to ${fileName}` });
  await expect(qr).toBeVisible();
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);

  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await dialog.getByRole('button', { name: 'Copy the share link' }).click();
  await expect(dialog.getByRole('button', { name: 'Copy the share link' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await dialog.screenshot({ path: 'test-results/screens/share-dialog-result.png' });

  // The recipient: the browser gets a landing page first (a link preview would not burn it).
  const recipient = await recipientPage(browser);
  const landing = await recipient.goto(url);
  expect(landing?.status()).toBe(200);
  await expect(recipient.getByRole('heading', { name: fileName })).toBeVisible();
  await expect(recipient.getByText('This link works once.')).toBeVisible();
  await recipient.screenshot({ path: 'test-results/screens/link-landing.png' });

  const [download] = await Promise.all([
    recipient.waitForEvent('download'),
    recipient.getByRole('button', { name: 'Download' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(fileName);
  expect(await fs.readFile(await download.path(), 'utf8')).toBe(content);

  const again = await recipient.goto(url);
  expect(again?.status()).toBe(410);
  await expect(recipient.getByRole('heading', { name: 'This link was already used' })).toBeVisible();
  await recipient.screenshot({ path: 'test-results/screens/link-used-410.png' });
  await recipient.context().close();

  // The links page counts the use.
  await page.goto(`/admin/links?fileId=${encodeURIComponent(fileId)}`);
  const row = page.locator(`[data-link-id="${linkIdOf(url)}"]`);
  await expect(row).toContainText('1 / 1');
  await expect(row).toContainText('Used up');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
});

test('a link revoked on the links page answers 410 "revoked"', async ({ page, browser }) => {
  const url = await createLinkInDialog(page);
  await page.getByRole('dialog', { name: 'Share link' }).getByRole('button', { name: 'Done' }).click();

  const row = page.locator(`[data-link-id="${linkIdOf(url)}"]`);
  await expect(row).toContainText('Active');
  await expect(row).toContainText('0 / ∞');
  await expect(row).toContainText(/23 h left|1 d left/);
  page.once('dialog', (confirm) => void confirm.accept());
  await row.getByRole('button', { name: /Revoke/ }).click();
  await expect(row).toContainText('Revoked');
  await page.screenshot({ path: 'test-results/screens/links-page.png', fullPage: true });

  const recipient = await recipientPage(browser);
  const answer = await recipient.goto(url);
  expect(answer?.status()).toBe(410);
  await expect(recipient.getByRole('heading', { name: 'This link was revoked' })).toBeVisible();
  await recipient.screenshot({ path: 'test-results/screens/link-revoked-410.png' });
  await recipient.context().close();
});

test('after "Rotate now" a link made before still works; after "Revoke all links" it is refused and new ones work', async ({
  page,
  playwright,
}) => {
  const before = await createLinkInDialog(page);
  // An untracked link cannot be revoked on its own; only the emergency stop ends it early.
  const untracked = await createLinkInDialog(page, async (dialog) => {
    await dialog.getByText('Advanced').click();
    await dialog.getByLabel('Untracked (cannot be revoked on its own)').check();
    await expect(dialog.getByLabel('Only once (one-time link)')).toBeDisabled();
    await expect(dialog.getByText('Untracked:')).toBeVisible();
    await dialog.screenshot({ path: 'test-results/screens/share-dialog-untracked.png' });
  });
  await expect(page.getByTestId('share-result')).toContainText('Untracked: only “Revoke all links”');
  expect(linkIdOf(untracked)).toBeUndefined();
  const outsider = await playwright.request.newContext();
  expect((await outsider.get(before)).status()).toBe(200);
  expect((await outsider.get(untracked)).status()).toBe(200);

  await page.goto('/admin/keys');
  const oldKid = (await page.getByTestId('active-kid').textContent())!.trim();
  await page.getByRole('button', { name: 'Rotate now' }).click();
  await expect(page.getByTestId('active-key').getByRole('status')).toContainText('Rotated. Key');
  await expect(page.getByTestId('active-kid')).not.toHaveText(oldKid);
  await expect(page.getByTestId('verifying-keys').getByTestId('key-row').filter({ hasText: oldKid })).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/keys-page.png', fullPage: true });

  const afterRotation = await outsider.get(before);
  expect(afterRotation.status()).toBe(200);
  expect(await afterRotation.text()).toBe(content);

  // The emergency stop: a dialog says what happens; Cancel has the focus.
  await page.getByRole('button', { name: 'Revoke all links…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke all links?' });
  await expect(confirm).toContainText('Every share link made until now stops working');
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.screenshot({ path: 'test-results/screens/keys-revoke-all-dialog.png' });
  await confirm.getByRole('button', { name: 'Revoke all links' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('danger-zone').getByRole('status')).toContainText('Every link made before');

  // The download server (a process of its own) is told by the admin UI's process at once.
  await expect.poll(async () => (await outsider.get(before)).status(), { timeout: 1_000, intervals: [100] }).toBe(403);
  expect((await outsider.get(untracked)).status()).toBe(403);
  const after = await createLinkInDialog(page);
  expect((await outsider.get(after)).status()).toBe(200);
  await outsider.dispose();

  // The links page does not pretend the old link still works.
  await page.goto(`/admin/links?fileId=${encodeURIComponent(fileId)}`);
  await expect(page.locator(`[data-link-id="${linkIdOf(before)}"]`)).toContainText('Key retired');
  await expect(page.locator(`[data-link-id="${linkIdOf(after)}"]`)).toContainText('Active');
  await page.screenshot({ path: 'test-results/screens/links-page-after-revoke-all.png', fullPage: true });
});
