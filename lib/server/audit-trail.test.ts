// The audit trail of a whole session on the production server: every action of PRODUCT.md's
// list is recorded once with its user and client IP, and no token, password, secret or key
// material ever lands in the log. Needs `npm run build` (npm test builds first).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/test-server';

const PASSWORD = 'audit-Trail-password-7';
const WRONG_PASSWORD = 'wrong-Password-guess-9';
const CLIENT_IP = '198.51.100.23'; // sent as X-Forwarded-For; the server trusts one proxy hop

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ADMIN_USERNAME: 'auditor', ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: '1' });
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** fetch from the client IP, keeping cookies like a browser. */
function browser() {
  const jar = new Map<string, string>();
  return async (pathname: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.baseURL}${pathname}`, {
      ...init,
      redirect: 'manual',
      headers: {
        'X-Forwarded-For': CLIENT_IP,
        Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.headers ?? {}),
      },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
}

async function signIn(client: ReturnType<typeof browser>, password: string) {
  const { csrfToken } = await (await client('/api/auth/csrf')).json();
  return client('/api/auth/callback/credentials', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'auditor', password, csrfToken, json: 'true' }),
  });
}

it('records every action of a session once, with user and IP, and never a secret', async () => {
  const client = browser();
  await signIn(client, WRONG_PASSWORD); // login_failed
  expect((await signIn(client, PASSWORD)).status).toBe(200); // login

  const created = server.cli(['token', 'create', 'trail']); // token_create (CLI)
  const token = created.stdout.trim();
  expect(token).toMatch(/^fsk_/);
  const api = (pathname: string, init: RequestInit = {}) =>
    client(pathname, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  const form = new FormData();
  form.append('file', new Blob(['audited bytes']), 'trail.txt');
  const file = await (await api('/api/v1/files', { method: 'POST', body: form })).json(); // upload
  const json = { 'Content-Type': 'application/json' };
  const link = await (
    await api(`/api/v1/files/${file.id}/links`, { method: 'POST', headers: json, body: '{"ttlSeconds":600}' })
  ).json(); // link_create
  const linkPath = link.url.slice(server.baseURL.length);
  expect((await client(linkPath)).status).toBe(200); // download
  expect((await client(linkPath.slice(0, -3) + 'AAA')).status).toBe(403); // link_denied
  expect((await api(`/api/v1/links/${link.id}`, { method: 'DELETE' })).status).toBe(204); // link_revoke
  expect((await api('/api/v1/keys/rotate', { method: 'POST' })).status).toBe(200); // key_rotate
  expect(
    (await api(`/api/v1/files/${file.id}`, { method: 'PATCH', headers: json, body: '{"visibility":"public"}' })).status,
  ).toBe(200); // visibility
  expect((await api(`/api/v1/files/${file.id}`, { method: 'DELETE' })).status).toBe(204); // delete
  expect(server.cli(['user', 'add', 'temp-admin', '--password-stdin'], 'temp-Admin-password-5\n').status).toBe(0); // user_add
  expect(server.cli(['user', 'delete', 'temp-admin']).status).toBe(0); // user_delete
  const tokenId = /cm\w+/.exec(server.cli(['token', 'list']).stdout)![0];
  expect(server.cli(['token', 'revoke', tokenId]).status).toBe(0); // token_revoke
  const { csrfToken } = await (await client('/api/auth/csrf')).json();
  await client('/api/auth/signout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrfToken, json: 'true' }),
  }); // logout

  const db = new Database(path.join(server.dataDir, 'fileserver.db'), { readonly: true });
  type Row = { action: string; user: string | null; ipAddress: string | null; info: string; fileId: string | null };
  const rows = () => db.prepare('SELECT action, user, ipAddress, info, fileId FROM Log ORDER BY id').all() as Row[];
  await expect.poll(() => rows().filter((r) => r.action === 'download').length).toBe(1);

  const web = { user: 'auditor', ip: CLIENT_IP };
  const viaToken = { user: 'auditor (token: trail)', ip: CLIENT_IP };
  const cli = { user: 'cli', ip: 'terminal' };
  const expected: [string, { user: string | null; ip: string }, RegExp][] = [
    ['login_failed', { user: null, ip: CLIENT_IP }, /username: auditor/],
    ['login', web, /^$/],
    ['token_create', cli, /name: trail/],
    ['upload', viaToken, new RegExp(`file_id: ${file.id}, name: trail.txt`)],
    ['link_create', viaToken, new RegExp(`link_id: ${link.id}`)],
    ['download', { user: `link:${link.id}`, ip: CLIENT_IP }, new RegExp(`file_id: ${file.id}.*link_id: ${link.id}`)],
    ['link_denied', { user: 'anonymous', ip: CLIENT_IP }, /reason: bad_signature/],
    ['link_revoke', viaToken, new RegExp(link.id)],
    ['visibility', viaToken, /public/],
    ['delete', viaToken, new RegExp(`file_id: ${file.id}`)],
    ['user_add', cli, /temp-admin/],
    ['user_delete', cli, /temp-admin/],
    ['token_revoke', cli, /trail/],
    ['logout', web, /^$/],
  ];
  const all = rows();
  for (const [action, actor, info] of expected) {
    const matching = all.filter((r) => r.action === action && r.user === actor.user && r.ipAddress === actor.ip);
    expect(matching, `${action} by ${actor.user} from ${actor.ip}`).toHaveLength(1);
    expect(matching[0].info, action).toMatch(info);
  }
  expect(all.filter((r) => r.action === 'key_rotate' && r.user === viaToken.user)).toHaveLength(1);

  // anonymize, on demand: everything so far is older than 0 days
  const anonymized = server.cli(['logs', 'anonymize', '--older-than', '0d']);
  expect(anonymized.status, anonymized.stderr).toBe(0);
  expect(anonymized.stdout).toMatch(/^Anonymized \d+ entries/);
  const after = rows();
  expect(after.filter((r) => r.action === 'anonymize')).toHaveLength(1);
  expect(after.filter((r) => r.action === 'login')[0]).toMatchObject({ user: 'anonymized', ipAddress: 'anonymized' });

  // No secret anywhere in the log.
  const everything = JSON.stringify(after);
  const secrets = [
    token,
    PASSWORD,
    WRONG_PASSWORD,
    'temp-Admin-password-5',
    new URL(link.url).searchParams.get('t')!,
    new URL(link.url).searchParams.get('t')!.split('.')[2],
    ...fs
      .readdirSync(path.join(server.dataDir, 'secrets'))
      .map((f) => fs.readFileSync(path.join(server.dataDir, 'secrets', f), 'utf8').trim()),
    ...(db.prepare('SELECT material FROM SigningKey').all() as { material: string }[]).map((k) => k.material),
  ];
  for (const secret of secrets)
    expect(everything.includes(secret), `a secret of ${secret.length} characters is in the log`).toBe(false);
  db.close();
});
