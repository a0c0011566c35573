import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { signInViaApi } from './support/session';

const username = process.env.E2E_ADMIN_USERNAME!;
const password = process.env.E2E_ADMIN_PASSWORD!;

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('/ and /admin send a signed-out visitor to the sign-in page', async ({ page }) => {
    await page.goto('/admin/tokens');
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fadmin%2Ftokens/);
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin/);
    await expect(page.getByRole('heading', { name: 'Sign in to Fileserver' })).toBeVisible();
  });

  test('a wrong password shows a message, the right one signs in, sign out signs out', async ({ page }) => {
    await page.goto('/signin');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('main').getByRole('alert')).toHaveText('Wrong username or password.');
    await expect(page).toHaveURL(/\/signin/);

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByText(`Signed in as ${username}`)).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/admin-files.png', fullPage: true });

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto('/admin');
    await expect(page).toHaveURL(/\/signin/);
  });

  test('"Sign out everywhere" ends the sessions of that admin on every device', async ({
    page,
    playwright,
    baseURL,
  }) => {
    // A user of its own: the stored admin session must outlive this test.
    execFileSync(process.execPath, ['dist/cli.mjs', 'user', 'add', 'everywhere', '--password-stdin'], {
      input: 'everywhere-Password-1\n',
      env: { ...process.env, DATA_DIR: process.env.E2E_DATA_DIR },
    });
    const otherDevice = await playwright.request.newContext({ baseURL });
    await signInViaApi(otherDevice, 'everywhere', 'everywhere-Password-1');
    expect((await otherDevice.get('/api/v1/files')).status()).toBe(200);

    await page.goto('/signin');
    await page.getByLabel('Username').fill('everywhere');
    await page.getByLabel('Password').fill('everywhere-Password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/admin$/);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto('/admin');
    await expect(page).toHaveURL(/\/signin/);
    expect((await otherDevice.get('/api/v1/files')).status()).toBe(401);
    await otherDevice.dispose();
  });

  test('repeated failed sign-ins for one name are refused with 429 and a clear message', async ({ page, request }) => {
    await page.goto('/signin');
    await page.screenshot({ path: 'test-results/screens/sign-in.png', fullPage: true });
    const victim = 'mallory-target';
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('Username').fill(victim);
      await page.getByLabel('Password').fill(`guess-${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('main').getByRole('alert')).toHaveText('Wrong username or password.');
    }
    await page.getByLabel('Password').fill('guess-final');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('main').getByRole('alert')).toContainText(
      'Too many failed sign-ins. Try again in 15 minutes.',
    );

    const { csrfToken } = await (await request.get('/api/auth/csrf')).json();
    const refused = await request.post('/api/auth/callback/credentials', {
      form: { username: victim, password: 'x', csrfToken, json: 'true' },
    });
    expect(refused.status()).toBe(429);
    expect((await refused.json()).error.code).toBe('rate_limited');
  });
});

test('pages carry the security headers', async ({ request }) => {
  const response = await request.get('/admin');
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-/);
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
});

test('health answers without a session', async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const response = await anonymous.get('/api/health');
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: 'ok', details: { database: 'ok', storage: 'ok' } });
});
