// Signs the admin in once through next-auth's own endpoints and saves the session for the specs.
import { test as setup, expect } from '@playwright/test';
import { signInViaApi } from './support/session';

setup('sign in as the admin', async ({ request }) => {
  await signInViaApi(request, process.env.E2E_ADMIN_USERNAME!, process.env.E2E_ADMIN_PASSWORD!);
  const admin = await request.get('/admin', { maxRedirects: 0 });
  expect(admin.status()).toBe(200);
  await request.storageState({ path: 'test-results/.auth/admin.json' });
});
