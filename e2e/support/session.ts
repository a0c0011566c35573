import { expect, type APIRequestContext } from '@playwright/test';

export async function signInViaApi(request: APIRequestContext, username: string, password: string) {
  const { csrfToken } = await (await request.get('/api/auth/csrf')).json();
  const response = await request.post('/api/auth/callback/credentials', {
    form: { username, password, csrfToken, json: 'true', callbackUrl: '/admin' },
  });
  expect(response.ok(), `sign-in answered ${response.status()}`).toBeTruthy();
  const { url } = await response.json();
  expect(url).not.toContain('error=');
}
