import { expect, test } from '@playwright/test';
import { startServer, type TestServer } from './support/server';

test.use({ storageState: { cookies: [], origins: [] } });

let server: TestServer;
test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});

test('with no admin, the server prints a one-time setup link that creates the first admin', async ({ page }) => {
  const match = /(http:\/\/\S+\/setup\?token=[A-Za-z0-9_-]+)/.exec(server.output());
  expect(match, server.output()).not.toBeNull();
  const setupUrl = match![1];

  await page.goto(`${server.baseURL}/setup?token=wrong`);
  await expect(page.locator('main').getByRole('alert')).toContainText('This setup link is not valid');

  await page.goto(setupUrl);
  await page.getByLabel('Username').fill('first');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Password again').fill('short');
  await page.getByRole('button', { name: 'Create admin' }).click();
  // The browser's own minLength check keeps a short password from being sent at all.
  await expect(page).toHaveURL(/\/setup\?token=/);

  await page.getByLabel('Password', { exact: true }).fill('aaaaaaaaaaaaaaaa');
  await page.getByLabel('Password again').fill('aaaaaaaaaaaaaaaa');
  await page.getByRole('button', { name: 'Create admin' }).click();
  await expect(page.locator('main').getByRole('alert')).toBeVisible();

  const password = 'a-Strong-first-admin-pass';
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await page.screenshot({ path: 'test-results/screens/setup.png', fullPage: true });
  await page.getByRole('button', { name: 'Create admin' }).click();
  await expect(page).toHaveURL(/\/signin\?setup=done/);
  await expect(page.getByRole('status')).toContainText('The first admin was created');

  await page.getByLabel('Username').fill('first');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin$/);

  // The link worked once; now it is spent.
  await page.goto(setupUrl);
  await expect(page.locator('main').getByRole('alert')).toContainText('This setup link is not valid');
});
