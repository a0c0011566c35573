// Sessions and sign-in against the built production server, tried as an attacker would:
// malformed cookies, replayed cookies after sign-out and password changes, parallel and
// duplicate-field password guesses, open redirects, parallel setup submissions and hostile
// bodies to next-auth's routes. Needs `npm run build`.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const ADMIN = { ADMIN_USERNAME: 'itadmin', ADMIN_PASSWORD: 'integration-Password-1' };

let server: TestServer;

beforeAll(async () => {
  // TRUST_PROXY=1 lets the test speak from several client IPs through X-Forwarded-For.
  server = await startTestServer({ ...ADMIN, TRUST_PROXY: '1' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

let nextIp = 1;
/** A client IP no other test used (TEST-NET-2), so limits of one test never touch another. */
function freshIp(): string {
  const n = nextIp++;
  return `198.51.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const sqlite = new Database(path.join(dataDir, 'fileserver.db'), { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare(sql).all(...params) as T[];
  } finally {
    sqlite.close();
  }
}

function auditCount(action: string, usernameInfo?: string): number {
  const rows = query<{ n: number }>(
    server.dataDir,
    `SELECT COUNT(*) AS n FROM Log WHERE action = ?${usernameInfo ? ' AND info LIKE ?' : ''}`,
    ...(usernameInfo ? [action, `%${usernameInfo}%`] : [action]),
  );
  return rows[0].n;
}

type Attempt = { status: number; cookie: string | null; body: string };

/** next-auth's CSRF token and the cookie pairs that go with it, as a browser would fetch them. */
async function csrfFor(headers: Record<string, string>): Promise<{ csrfToken: string; csrfCookie: string }> {
  const response = await fetch(`${server.baseURL}/api/auth/csrf`, { headers });
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  const csrfCookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { csrfToken, csrfCookie };
}

/** One sign-in through next-auth's endpoints from `ip`; `body` overrides the form. */
async function attemptSignIn(
  ip: string,
  fields: [string, string][] | ((csrfToken: string) => { body: string; contentType: string }),
  target = '/api/auth/callback/credentials',
): Promise<Attempt> {
  const { csrfToken, csrfCookie } = await csrfFor({ 'X-Forwarded-For': ip });
  const { body, contentType } =
    typeof fields === 'function'
      ? fields(csrfToken)
      : {
          body: new URLSearchParams([...fields, ['csrfToken', csrfToken], ['json', 'true']]).toString(),
          contentType: 'application/x-www-form-urlencoded',
        };
  const response = await fetch(`${server.baseURL}${target}`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, Cookie: csrfCookie, 'X-Forwarded-For': ip },
    body,
    redirect: 'manual',
  });
  const session = response.headers.getSetCookie().find((c) => /^next-auth\.session-token=[^;]+/.test(c));
  return { status: response.status, cookie: session ? session.split(';')[0] : null, body: await response.text() };
}

async function signInAs(username: string, password: string, ip = freshIp()): Promise<string> {
  const attempt = await attemptSignIn(ip, [
    ['username', username],
    ['password', password],
  ]);
  if (!attempt.cookie) throw new Error(`sign-in failed: ${attempt.status} ${attempt.body}`);
  return attempt.cookie;
}

/** What a cookie may do: 200 when the API accepts it as a session, 401 when not. */
async function apiStatus(cookie: string): Promise<number> {
  const response = await fetch(`${server.baseURL}/api/v1/files`, { headers: { Cookie: cookie } });
  return response.status;
}

async function addUser(name: string, password: string) {
  const result = server.cli(['user', 'add', name, '--password-stdin'], `${password}\n`);
  expect(result.status, result.stderr).toBe(0);
}

describe('session cookies', () => {
  it('answers a malformed session cookie exactly as no cookie, for a private file and a missing one', async () => {
    const cookie = await signInAs(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const form = new FormData();
    form.append('file', new Blob(['secret']), 'private-oracle.txt');
    const uploaded = await fetch(`${server.baseURL}/api/v1/files`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: server.baseURL, 'Sec-Fetch-Site': 'same-origin' },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };

    const shapes = ['%E0%A4%A', '%', '%%%', 'a%ZZb', '"unterminated', 'x'.repeat(5000), '', '=%ff='];
    for (const value of shapes) {
      for (const name of ['next-auth.session-token', '__Secure-next-auth.session-token']) {
        const headers = { Cookie: `${name}=${value}` };
        const privateFile = await fetch(`${server.baseURL}/${id}`, { headers });
        const missing = await fetch(`${server.baseURL}/zzzzzzzz`, { headers });
        expect(`${value}: ${privateFile.status}`).toBe(`${value}: 404`);
        expect(`${value}: ${missing.status}`).toBe(`${value}: 404`);
        expect(await privateFile.text()).toBe(await missing.text());
        expect((await fetch(`${server.baseURL}/api/v1/files`, { headers })).status).toBe(401);
        expect((await fetch(`${server.baseURL}/admin`, { headers, redirect: 'manual' })).status).toBe(307);
      }
    }
    expect(server.output()).not.toMatch(/URIError/);
  });

  it('refuses the old cookie after sign-out, and keeps other sessions of the user', async () => {
    const cookie = await signInAs(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const other = await signInAs(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    expect(await apiStatus(cookie)).toBe(200);

    const { csrfToken, csrfCookie } = await csrfFor({ Cookie: cookie });
    const signedOut = await fetch(`${server.baseURL}/api/auth/signout`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: `${cookie}; ${csrfCookie}`,
      },
      body: new URLSearchParams({ csrfToken, json: 'true' }),
      redirect: 'manual',
    });
    expect(signedOut.status).toBeLessThan(400);

    expect(await apiStatus(cookie)).toBe(401);
    expect((await fetch(`${server.baseURL}/admin`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(
      307,
    );
    const session = await fetch(`${server.baseURL}/api/auth/session`, { headers: { Cookie: cookie } });
    expect(await session.json()).toEqual({});
    expect(await apiStatus(other)).toBe(200);
  });

  it('refuses every session of a user after `user passwd` and after `user signout-all`', async () => {
    await addUser('rotator', 'rotator-first-password');
    const before = await signInAs('rotator', 'rotator-first-password');
    expect(await apiStatus(before)).toBe(200);
    const passwd = server.cli(['user', 'passwd', 'rotator', '--password-stdin'], 'rotator-second-password\n');
    expect(passwd.status, passwd.stderr).toBe(0);
    expect(await apiStatus(before)).toBe(401);

    const after = await signInAs('rotator', 'rotator-second-password');
    expect(await apiStatus(after)).toBe(200);
    const everywhere = server.cli(['user', 'signout-all', 'rotator']);
    expect(everywhere.status, everywhere.stderr).toBe(0);
    expect(await apiStatus(after)).toBe(401);
    expect(await apiStatus(await signInAs('rotator', 'rotator-second-password'))).toBe(200);
  });

  it('refuses the sessions of a deleted user, also when the name is added again', async () => {
    await addUser('leaver', 'leaver-long-password');
    const cookie = await signInAs('leaver', 'leaver-long-password');
    expect(server.cli(['user', 'delete', 'leaver']).status).toBe(0);
    await addUser('leaver', 'leaver-long-password');
    expect(await apiStatus(cookie)).toBe(401);
  });
});

describe('sign-in limits', () => {
  it('refuses a form with two username fields with 400 and checks no password', async () => {
    await addUser('twofields', 'twofields-password-1');
    const failedBefore = auditCount('login_failed');
    const ip = freshIp();
    const attempt = await attemptSignIn(ip, [
      ['username', 'decoy'],
      ['username', 'twofields'],
      ['password', 'twofields-password-1'],
    ]);
    expect(attempt.status).toBe(400);
    expect(attempt.cookie).toBeNull();
    expect(JSON.parse(attempt.body)).toMatchObject({ error: { code: 'bad_request' } });
    const passwords = await attemptSignIn(ip, [
      ['username', 'twofields'],
      ['password', 'x'],
      ['password', 'twofields-password-1'],
    ]);
    expect(passwords.status).toBe(400);
    expect(auditCount('login_failed')).toBe(failedBefore);
    expect(auditCount('login', 'twofields')).toBe(0);
  });

  it('evaluates at most 5 of 60 parallel guesses from one client', async () => {
    await addUser('parallel', 'parallel-password-1');
    const ip = freshIp();
    const attempts = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        attemptSignIn(ip, [
          ['username', i % 2 ? 'parallel' : 'PARALLEL'],
          ['password', `guess-${i}`],
        ]),
      ),
    );
    const refused = attempts.filter((a) => a.status === 429);
    // LIKE ignores case: this counts the guesses for both spellings.
    expect(auditCount('login_failed', 'parallel')).toBeLessThanOrEqual(5);
    expect(refused.length).toBeGreaterThanOrEqual(55);
    for (const answer of refused) expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'rate_limited' } });
    // The right password from the same client is refused too: it used its guesses.
    const late = await attemptSignIn(ip, [
      ['username', 'parallel'],
      ['password', 'parallel-password-1'],
    ]);
    expect(late.status).toBe(429);
  });

  it('lets the right password in from a clean client while the name is attacked from many others', async () => {
    await addUser('victim', 'victim-password-long');
    for (let round = 0; round < 6; round++) {
      await Promise.all(
        Array.from({ length: 6 }, () =>
          attemptSignIn(freshIp(), [
            ['username', 'victim'],
            ['password', `guess-${round}`],
          ]),
        ),
      );
    }
    const owner = await attemptSignIn(freshIp(), [
      ['username', 'victim'],
      ['password', 'victim-password-long'],
    ]);
    expect(owner.status).toBeLessThan(400);
    expect(owner.cookie).not.toBeNull();
  });

  it('answers 4xx, not 5xx, to a JSON body and other shapes posted to the credentials callback', async () => {
    const ip = freshIp();
    const json = await attemptSignIn(ip, (csrfToken) => ({
      body: JSON.stringify({ username: ADMIN.ADMIN_USERNAME, password: 'x', csrfToken, json: 'true' }),
      contentType: 'application/json',
    }));
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
    for (const contentType of ['text/plain', 'multipart/form-data; boundary=x', 'application/json']) {
      const broken = await attemptSignIn(ip, () => ({ body: '{"username": [1,', contentType }));
      expect(`${contentType}: ${broken.status}`).toMatch(/: 4\d\d$/);
    }
    for (const action of ['signout', 'signin/credentials', 'callback/credentials']) {
      const response = await fetch(`${server.baseURL}/api/auth/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
        body: '{"csrfToken": ',
      });
      expect(`${action}: ${response.status}`).toMatch(/: 4\d\d$/);
    }
    for (const pathname of [
      '/api/auth/callback/credentials',
      '/api/auth/error?error=%ff',
      '/api/auth/signin?x=%E0%A4%A',
    ]) {
      const response = await fetch(`${server.baseURL}${pathname}`, { redirect: 'manual' });
      expect(`GET ${pathname}: ${response.status}`).toMatch(/: [34]\d\d$/);
    }
    // `/api/auth/%ff` (broken percent-encoding in the path) fails inside Next before any route
    // code runs; the front server refuses such paths for every route (not this test's part).
  });
});

describe('next-auth routes spelled another way (red team)', () => {
  it('does not check passwords at /callback/credentials/<more>: no way around the sign-in limits', async () => {
    const ip = freshIp();
    for (const target of [
      '/api/auth/callback/credentials/x',
      '/api/auth/callback/credentials/x/y',
      '/api/auth/callback/./credentials/x',
      '/api/auth/signin/credentials/x',
    ]) {
      const right = await attemptSignIn(
        ip,
        [
          ['username', ADMIN.ADMIN_USERNAME],
          ['password', ADMIN.ADMIN_PASSWORD],
        ],
        target,
      );
      expect(`${target}: ${right.status}`).toBe(`${target}: 404`);
      expect(right.cookie).toBeNull();
    }
  });

  it('does not read a form whose Content-Type mentions JSON as JSON (which skipped the form checks)', async () => {
    const attempt = await attemptSignIn(freshIp(), (csrfToken) => ({
      body: JSON.stringify({
        username: ADMIN.ADMIN_USERNAME,
        password: ADMIN.ADMIN_PASSWORD,
        csrfToken,
        json: 'true',
        x: '&username=decoy&password=p&',
      }),
      contentType: 'application/x-www-form-urlencoded; charset=application/json',
    }));
    expect(attempt.status).toBe(400);
    expect(attempt.cookie).toBeNull();
  });

  it('answers a sign-out at /signout/<more> with 404, so nobody believes they signed out', async () => {
    const cookie = await signInAs(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const { csrfToken, csrfCookie } = await csrfFor({ Cookie: cookie });
    const response = await fetch(`${server.baseURL}/api/auth/signout/x`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: `${cookie}; ${csrfCookie}`,
        'Sec-Fetch-Site': 'same-origin',
      },
      body: new URLSearchParams({ csrfToken, json: 'true' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(404);
    expect(response.headers.getSetCookie().some((c) => c.startsWith('next-auth.session-token=;'))).toBe(false);
  });

  it('answers a bad callbackUrl or a planted callback-url cookie with 400 (expiring the cookie), never 500', async () => {
    for (const value of ['%00', 'javascript:x', 'data:text/html,x']) {
      for (const action of ['csrf', 'session', 'signin', 'providers']) {
        const response = await fetch(`${server.baseURL}/api/auth/${action}?callbackUrl=${value}`, {
          redirect: 'manual',
        });
        expect(`${action} ${value}: ${response.status}`).toBe(`${action} ${value}: 400`);
      }
      // A planted callback-url cookie: a 400 that expires it (next-auth answered 500 to every request).
      const planted = await fetch(`${server.baseURL}/api/auth/csrf`, {
        headers: { Cookie: `next-auth.callback-url=${value}` },
      });
      expect(`cookie ${value}: ${planted.status}`).toBe(`cookie ${value}: 400`);
      expect(planted.headers.getSetCookie().some((c) => /^next-auth\.callback-url=;.*Max-Age=0/.test(c))).toBe(true);
    }
    // Once the cookie is gone, signing in works.
    expect(await signInAs(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD)).toMatch(/^next-auth\.session-token=./);
  });

  it('answers the error page with a second segment or a hostile error code without a 5xx', async () => {
    for (const target of ['/api/auth/error/x?error=%ff', '/api/auth/error?error=a%0db', '/api/auth/error/%0d%0aX:y']) {
      const response = await fetch(`${server.baseURL}${target}`, { redirect: 'manual' });
      expect(`${target}: ${response.status < 500}`).toBe(`${target}: true`);
    }
  });
});

describe('API limits', () => {
  it('answers 429 with Retry-After to an IP after 100 failed token authentications', async () => {
    const ip = freshIp();
    const bad = { Authorization: `Bearer fsk_${'A'.repeat(43)}`, 'X-Forwarded-For': ip };
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${server.baseURL}/api/v1/files`, { headers: bad });
      expect(response.status).toBe(401);
    }
    for (const response of [
      await fetch(`${server.baseURL}/api/v1/files`, { headers: bad }),
      await fetch(`${server.baseURL}/api/v1/files`, { method: 'POST', headers: bad }),
    ]) {
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
    }
    const other = await fetch(`${server.baseURL}/api/v1/files`, { headers: { ...bad, 'X-Forwarded-For': freshIp() } });
    expect(other.status).toBe(401);
  });
});

describe('redirects after sign-in', () => {
  it('never sends a signed-in user to another origin, and never answers 5xx', async () => {
    const cookie = await signInAs(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
    const own = new URL(server.baseURL);
    // As typed into the address bar: the query is percent-decoded once by the server.
    const shapes = [
      '/%09/evil.example',
      '/%0a/evil.example',
      '/%0d%0a/evil.example',
      '%09//evil.example',
      '//evil.example',
      '/%5Cevil.example',
      '%5C%5Cevil.example',
      '/%5C/evil.example',
      '/.//evil.example',
      'https://evil.example/',
      'https:evil.example',
      'http:%2F%2Fevil.example',
      'javascript:alert(1)',
      '/%2F%2Fevil.example',
      '%ff',
      '/%ff',
      '/admin/../..//evil.example',
      '%E2%80%AE//evil.example',
      '/%00/evil.example',
    ];
    for (const shape of shapes) {
      const response = await fetch(`${server.baseURL}/signin?callbackUrl=${shape}`, {
        headers: { Cookie: cookie },
        redirect: 'manual',
      });
      expect(`${shape}: ${response.status}`).toMatch(/: 30\d$/);
      const location = response.headers.get('location')!;
      // eslint-disable-next-line no-control-regex -- a Location must carry no control characters
      expect(`${shape}: ${/[\u0000-\u001f\\]/.test(location)}`).toBe(`${shape}: false`);
      const target = new URL(location, server.baseURL);
      expect(`${shape}: ${target.origin}`).toBe(`${shape}: ${own.origin}`);
      expect(`${shape}: ${target.href}`).not.toMatch(/^[^:]+: [a-z]+:\/\/[^/]+\/\//);
    }
    const raw = await fetch(`${server.baseURL}/signin?callbackUrl=/%09/evil.example`, {
      headers: { Cookie: cookie },
      redirect: 'manual',
    });
    expect(new URL(raw.headers.get('location')!, server.baseURL).origin).toBe(own.origin);
    const twice = await fetch(`${server.baseURL}/signin?callbackUrl=/a&callbackUrl=/b`, {
      headers: { Cookie: cookie },
      redirect: 'manual',
    });
    expect(twice.status).toBeLessThan(500);
    const fine = await fetch(`${server.baseURL}/signin?callbackUrl=${encodeURIComponent('/admin/links?x=1')}`, {
      headers: { Cookie: cookie },
      redirect: 'manual',
    });
    expect(fine.headers.get('location')).toMatch(/\/admin\/links\?x=1$/);
  });

  it('hands the sign-in form of a signed-out visitor no foreign or tab-broken target', async () => {
    for (const shape of ['/%09/evil.example', '/%0a/evil.example', '/.//evil.example', '//evil.example', '/%5Cevil']) {
      const page = await fetch(`${server.baseURL}/signin?callbackUrl=${shape}`);
      expect(page.status).toBe(200);
      // The form's prop in the page's RSC payload: where the browser goes after signing in.
      const prop = /\\"callbackUrl\\":\\"(.*?)\\"/.exec(await page.text())?.[1];
      expect(`${shape}: ${prop}`).toBe(`${shape}: /admin`);
    }
  });

  it('keeps the redirect of the credentials callback on the own origin', async () => {
    const attempt = await attemptSignIn(freshIp(), [
      ['username', ADMIN.ADMIN_USERNAME],
      ['password', ADMIN.ADMIN_PASSWORD],
      ['callbackUrl', '/\t/evil.example'],
    ]);
    const { url } = JSON.parse(attempt.body) as { url: string };
    expect(new URL(url, server.baseURL).origin).toBe(new URL(server.baseURL).origin);
    expect(new URL(url, server.baseURL).pathname.startsWith('//')).toBe(false);
  });
});

describe('the setup link', () => {
  it('makes exactly one admin when submitted ten times in parallel', async () => {
    const setup = await startTestServer({});
    try {
      const match = /\/setup\?token=([A-Za-z0-9_-]+)/.exec(setup.output());
      expect(match, setup.output()).not.toBeNull();
      const token = match![1];
      const manifest = JSON.parse(
        fs.readFileSync(path.resolve(import.meta.dirname, '../../.next/server/server-reference-manifest.json'), 'utf8'),
      ) as { node: Record<string, { workers: Record<string, unknown> }> };
      const actionId = Object.entries(manifest.node).find(([, entry]) =>
        Object.keys(entry.workers).some((worker) => worker.includes('setup/page')),
      )?.[0];
      expect(actionId).toBeTruthy();
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fetch(`${setup.baseURL}/setup?token=${token}`, {
            method: 'POST',
            headers: {
              'Next-Action': actionId!,
              'Content-Type': 'text/plain;charset=UTF-8',
              Accept: 'text/x-component',
              Origin: setup.baseURL,
            },
            body: JSON.stringify([
              { token, username: `admin${i}`, password: 'setup-password-long', confirm: 'setup-password-long' },
            ]),
          }),
        ),
      );
      for (const answer of answers) expect(answer.status).toBeLessThan(500);
      const users = query<{ username: string }>(setup.dataDir, 'SELECT username FROM User');
      expect(users).toHaveLength(1);
    } finally {
      await setup.stop();
    }
  });
});
