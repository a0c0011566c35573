import { expect, test } from '@playwright/test';

test('an API token is created in the UI, works once shown, and stops working when revoked', async ({
  page,
  playwright,
  baseURL,
}) => {
  await page.goto('/admin/tokens');
  await page.getByLabel('Name').fill('e2e-portal');
  await page.getByRole('button', { name: 'Create token' }).click();
  const value = page.getByTestId('new-token-value');
  await expect(value).toHaveText(/^fsk_[A-Za-z0-9_-]{43}$/);
  const token = (await value.textContent())!;
  await expect(page.getByText('It will not be shown again.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screens/tokens.png', fullPage: true });

  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  expect((await api.get('/api/v1/files')).status()).toBe(200);

  page.once('dialog', (dialog) => dialog.accept());
  const row = page.getByTestId('token-row').filter({ hasText: 'e2e-portal' });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row.getByText('Revoked')).toBeVisible();

  const refused = await api.get('/api/v1/files');
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe('unauthorized');

  await page.reload();
  await expect(page.getByText(token)).toHaveCount(0);
});
