// Runs the CLI as an operator does: the built dist/cli.mjs (what a production install runs;
// `npm test` builds before it runs these), as a separate process on a real SQLite file in a
// temp DATA_DIR.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiToken } from '../auth/api-tokens';
import { db } from '../db';
import { projectRoot } from '../db/migrate';
import { databaseFilePath } from '../env/paths';
import { createTempEnv, type TempEnv } from '../testing/temp-env';

const root = projectRoot();
const bundleDir = path.join(root, 'dist');
let temp: TempEnv;
const freshDirs: string[] = [];

type Result = { code: number | null; stdout: string; stderr: string };

function spawnNode(args: string[], { input, env = {} }: { input?: string; env?: Record<string, string> } = {}): Result {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: temp.dataDir, NODE_ENV: 'test', ...env };
  for (const key of ['DEBUG', 'DATABASE_URL', 'STORAGE_DIR', 'ADMIN_USERNAME', 'ADMIN_PASSWORD']) {
    if (!(key in env)) delete childEnv[key];
  }
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    env: childEnv,
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cli = (args: string[], options?: Parameters<typeof spawnNode>[1]) =>
  spawnNode([path.join(bundleDir, 'cli.mjs'), ...args], options);

function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fileserver-cli-fresh-'));
  freshDirs.push(dir);
  return dir;
}

function oneErrorLine(result: Result): string {
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
  return result.stderr.trim();
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(bundleDir, 'cli.mjs')))
    throw new Error('dist/cli.mjs is missing: run `npm run build` first');
  temp = await createTempEnv();
});

afterAll(async () => {
  await temp?.cleanup();
  for (const dir of freshDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('usage', () => {
  it('shows help with exit 0 on every level', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/user/);
    expect(top.stdout).toMatch(/token/);
    const add = cli(['user', 'add', '--help']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/--password-stdin/);
    const create = cli(['token', 'create', '--help']);
    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/--expires <duration>.*\(default: 90d\)/s);
  });

  it('exits 2 on an unknown command or option, a missing argument, or a bad expiry', () => {
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(cli(['user', 'add']).code).toBe(2);
    expect(cli(['user', 'list', '--colour']).code).toBe(2);
    expect(cli(['user']).code).toBe(2);
    const badExpiry = cli(['token', 'create', 'ci', '--expires', 'soon']);
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toMatch(/"soon" is not an expiry/);
  });

  it('creates and migrates the database on a fresh data dir', () => {
    const dataDir = freshDataDir();
    const result = cli(['user', 'list'], { env: { DATA_DIR: dataDir } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^No users yet/);
    expect(fs.existsSync(path.join(dataDir, 'fileserver.db'))).toBe(true);
  });

  it('reports a bad configuration with exit 1 and no stack trace', () => {
    const result = cli(['user', 'list'], { env: { PORT: 'eighty' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).not.toMatch(/\bat .*\.(m?js|ts):\d+/);
  });
});

describe('user and token commands', () => {
  // These run in order on one database, as an operator would.
  let tokenId = '';

  it('user add reads the password from stdin and prints one line', async () => {
    const result = cli(['user', 'add', 'alice', '--password-stdin'], { input: 'alice-long-password\n' });
    expect(result).toEqual({ code: 0, stdout: 'Added user "alice".\n', stderr: '' });
    const log = await db().log.findFirstOrThrow({ where: { action: 'user_add' } });
    expect(log).toMatchObject({ user: 'cli', ipAddress: 'terminal', info: 'username: alice' });
  });

  it('user add of an existing name fails with exit 1 and exactly one line', () => {
    const result = cli(['user', 'add', 'alice', '--password-stdin'], { input: 'another-long-password\n' });
    expect(result.code).toBe(1);
    expect(oneErrorLine(result)).toBe('error: User "alice" already exists.');
  });

  it('user add refuses a weak password, or no password, with one line', () => {
    const weak = cli(['user', 'add', 'bob', '--password-stdin'], { input: 'bob\n' });
    expect(weak.code).toBe(1);
    expect(oneErrorLine(weak)).toBe('error: The password is too short: use at least 12 characters.');
    // No terminal to prompt on and no --password-stdin: say how to give it.
    const noTty = cli(['user', 'add', 'bob']);
    expect(noTty.code).toBe(1);
    expect(oneErrorLine(noTty)).toMatch(/--password-stdin/);
  });

  it('user list shows the users', () => {
    const result = cli(['user', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^USERNAME\s+CREATED\s+API TOKENS\nalice\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+0\n$/);
  });

  it('token create prints a token, once, that the API accepts', async () => {
    const result = cli(['token', 'create', 'ci', '--expires', '30d']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^fsk_[A-Za-z0-9_-]{43}\n$/);
    expect(result.stderr).toMatch(/will not be shown again/);
    const found = await authenticateApiToken(result.stdout.trim());
    expect(found?.user.username).toBe('alice');
    expect(found?.token.name).toBe('ci');
    const days = (found!.token.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    tokenId = found!.token.id;
  });

  it('token list shows the token without its secret', async () => {
    const result = cli(['token', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(tokenId);
    expect(result.stdout).toMatch(/\bci\s+alice\b.*\bactive\n$/);
    const { tokenHash } = await db().apiToken.findUniqueOrThrow({ where: { id: tokenId } });
    expect(result.stdout).not.toContain(tokenHash);
    expect(result.stdout).not.toContain('fsk_');
  });

  it('token revoke makes the token useless at once', async () => {
    const result = cli(['token', 'revoke', tokenId]);
    expect(result).toMatchObject({ code: 0, stdout: `Revoked token "ci" (id ${tokenId}).\n` });
    const row = await db().apiToken.findUniqueOrThrow({ where: { id: tokenId } });
    expect(row.revokedAt).not.toBeNull();
    expect(cli(['token', 'list']).stdout).toMatch(/revoked\n$/);
    const unknown = cli(['token', 'revoke', 'no-such-id']);
    expect(unknown.code).toBe(1);
    expect(oneErrorLine(unknown)).toBe('error: There is no API token with id "no-such-id".');
  });

  it('token create needs --user once there are several users', () => {
    expect(cli(['user', 'add', 'bob', '--password-stdin'], { input: 'bob-long-password' }).code).toBe(0);
    const ambiguous = cli(['token', 'create', 'ci2']);
    expect(ambiguous.code).toBe(1);
    expect(oneErrorLine(ambiguous)).toMatch(/--user <username>/);
    const forBob = cli(['token', 'create', 'ci2', '--user', 'bob', '--expires', 'never']);
    expect(forBob.code).toBe(0);
    expect(forBob.stderr).toMatch(/for "bob", expires never/);
  });

  it('user passwd changes the password', async () => {
    const result = cli(['user', 'passwd', 'bob', '--password-stdin'], { input: 'bobs-new-long-password\n' });
    expect(result).toEqual({
      code: 0,
      stdout: 'Changed the password of "bob"; their sessions have ended.\n',
      stderr: '',
    });
    const missing = cli(['user', 'passwd', 'nobody', '--password-stdin'], { input: 'whatever-long-password' });
    expect(oneErrorLine(missing)).toBe('error: User "nobody" does not exist.');
  });

  it('user delete removes a user but never the last one', async () => {
    const result = cli(['user', 'delete', 'bob']);
    expect(result).toEqual({ code: 0, stdout: 'Deleted user "bob".\n', stderr: '' });
    expect(await db().user.count()).toBe(1);
    const last = cli(['user', 'delete', 'alice']);
    expect(last.code).toBe(1);
    expect(oneErrorLine(last)).toMatch(/only user/);
  });
});

describe('prisma db seed', () => {
  const prismaCli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');

  it('creates the first admin, and does nothing the second time', () => {
    const env = { DATA_DIR: freshDataDir(), ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'root-long-password' };
    const first = spawnNode([prismaCli, 'db', 'seed'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Created admin "root".');
    const second = spawnNode([prismaCli, 'db', 'seed'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('admin "root" already exists; nothing to do');
    const list = cli(['user', 'list'], { env: { DATA_DIR: env.DATA_DIR } });
    expect(list.stdout).toMatch(/\nroot\s/);
  });

  it('refuses a weak password, and explains the variables when they are missing', () => {
    const seed = path.join(bundleDir, 'seed.mjs');
    const dataDir = freshDataDir();
    const weak = spawnNode([seed], {
      env: { DATA_DIR: dataDir, ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'password123!' },
    });
    expect(weak.code).toBe(1);
    expect(oneErrorLine(weak)).toBe('error: This password is one of the most common passwords; choose another.');
    const missing = spawnNode([seed], { env: { DATA_DIR: dataDir } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ADMIN_USERNAME and ADMIN_PASSWORD are not set/);
    expect(missing.stderr).toMatch(/npx prisma db seed/);
  });
});

describe('file commands', () => {
  it('uploads, lists and deletes files through the same rules as the API', () => {
    const source = path.join(temp.dataDir, 'notes from the field.txt');
    fs.writeFileSync(source, 'field notes\n');

    const uploaded = cli(['file', 'upload', source, '--public']);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    const [id, url] = uploaded.stdout.trim().split(/\s+/);
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(url).toBe(`http://localhost:3000/${id}`);
    expect(uploaded.stdout).toContain('(notes from the field.txt, 12 B, public)');
    expect(fs.readFileSync(path.join(temp.storageDir, id), 'utf8')).toBe('field notes\n');

    const again = cli(['file', 'upload', source]);
    expect(again.code).toBe(1);
    expect(oneErrorLine(again)).toBe(
      'error: A file named "notes from the field.txt" already exists. Upload it with replace to overwrite it.',
    );

    const renamed = cli(['file', 'upload', source, '--name', 'renamed.txt']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toContain('(renamed.txt, 12 B, private)');

    const list = cli(['file', 'list']);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+SIZE\s+VISIBILITY\s+UPLOADED\s+DOWNLOADS/);
    expect(list.stdout).toContain('notes from the field.txt');
    expect(cli(['file', 'list', '--search', 'renamed']).stdout).not.toContain('notes from the field.txt');

    const deleted = cli(['file', 'delete', id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(fs.existsSync(path.join(temp.storageDir, id))).toBe(false);
    expect(oneErrorLine(cli(['file', 'delete', id]))).toBe('error: No such file.');
  });

  it('refuses a missing path with one line, and --name with several files as a usage error', () => {
    const missing = cli(['file', 'upload', '/nonexistent/file.bin']);
    expect(missing.code).toBe(1);
    expect(oneErrorLine(missing)).toBe('error: /nonexistent/file.bin: no such file.');
    const usage = cli(['file', 'upload', 'a', 'b', '--name', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--name works with one file only.');
  });
});

// Imports of the logs block (appended to this shared file; ESM hoists them to the top).

describe('logs commands', () => {
  const DAY = 86_400_000;

  /** Runs the CLI without waiting, so two can run at the same time. */
  function cliAsync(args: string[]): Promise<Result> {
    return new Promise((resolve) => {
      const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: temp.dataDir, NODE_ENV: 'test' };
      for (const key of ['DEBUG', 'DATABASE_URL', 'STORAGE_DIR', 'ADMIN_USERNAME', 'ADMIN_PASSWORD'])
        delete childEnv[key];
      const child = spawn(process.execPath, [path.join(bundleDir, 'cli.mjs'), ...args], { cwd: root, env: childEnv });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const ANONYMIZED_LINE =
    /^Anonymized (\d+) entr(?:y|ies) older than (.+) \(before (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC\)\.\n$/;

  it('logs anonymize in two processes at once changes each old entry once', async () => {
    const sqlite = new Database(databaseFilePath(temp.databaseUrl));
    const insert = sqlite.prepare(
      'INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info") VALUES (?, ?, ?, ?, ?)',
    );
    const old = Date.now() - 40 * DAY;
    sqlite.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(old + i, `user${i % 9}`, '203.0.113.7', 'download', `n: ${i}`);
    })();
    sqlite.close();

    const results = await Promise.all([
      cliAsync(['logs', 'anonymize']),
      cliAsync(['logs', 'anonymize', '--older-than', '30d']),
    ]);
    const counts = results.map((result) => {
      expect(result.code, result.stderr).toBe(0);
      const match = ANONYMIZED_LINE.exec(result.stdout);
      expect(match, result.stdout).not.toBeNull();
      expect(match![2]).toBe('30 days');
      return Number(match![1]);
    });
    expect(counts[0] + counts[1]).toBe(20_000);
    const sample = await db().log.findFirstOrThrow({ where: { info: 'n: 42' } });
    expect(sample).toMatchObject({ user: 'anonymized', ipAddress: 'anonymized', anonymized: true });
    // Each run said so in the log, as the CLI.
    expect(await db().log.count({ where: { action: 'anonymize', user: 'cli', ipAddress: 'terminal' } })).toBe(2);
  });

  it('logs anonymize --older-than 0d redacts everything up to now and prints the count', async () => {
    const waiting = await db().log.count({ where: { anonymized: false } });
    expect(waiting).toBeGreaterThanOrEqual(2); // at least the two runs' own entries
    const started = Date.now();
    const result = cli(['logs', 'anonymize', '--older-than', '0d']);
    expect(result.code, result.stderr).toBe(0);
    const match = ANONYMIZED_LINE.exec(result.stdout)!;
    expect(match, result.stdout).not.toBeNull();
    expect(Number(match[1])).toBe(waiting);
    expect(match[2]).toBe('0 days');
    expect(Date.parse(`${match[3].replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    // Only the entry of this very run still names who did it.
    expect(await db().log.findMany({ where: { anonymized: false }, select: { action: true, user: true } })).toEqual([
      { action: 'anonymize', user: 'cli' },
    ]);
    const again = cli(['logs', 'anonymize', '--older-than', '1h']);
    expect(again.stdout).toMatch(/^Anonymized 0 entries older than 1 hour \(before /);
  });

  it('logs list shows entries newest first, filtered', () => {
    const result = cli(['logs', 'list', '--action', 'anonymize', '--limit', '2']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ACTION\s+USER\s+IP\s+FILE\s+INFO$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+anonymize\s+cli\s+terminal\s+-\s+count: 0, older_than: 1h, before: /,
    );
    expect(result.stderr).toMatch(/showing the newest 2/);
    expect(cli(['logs', 'list', '--user', 'nobody-at-all']).stdout).toBe('No log entries match.\n');
  });

  it('refuses a bad age or filter as a usage error', () => {
    const age = cli(['logs', 'anonymize', '--older-than', 'soon']);
    expect(age.code).toBe(2);
    expect(age.stderr).toMatch(/"soon" is not an age like 30d, 12h or 0d/);
    const since = cli(['logs', 'list', '--since', 'yesterday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/since: must be an ISO 8601 time/);
    const action = cli(['logs', 'list', '--action', 'frobnicate']);
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(/action: must be one of/);
    expect(cli(['logs', 'anonymize', '--help']).stdout).toMatch(/--older-than <age>/);
  });
});
