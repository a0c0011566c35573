// Anonymization and retention as an operator sees them: what is redacted, the boundary at
// exactly N days, idempotence, the counts, the `anonymize` entry, the scheduled job's silence
// when there is nothing to do, and two runs at once counting each entry once.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { db } from '../db';
import { resetEnvForTests } from '../env';
import { databaseFilePath } from '../env/paths';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { anonymizeLogs, anonymizeLogsBefore, deleteOldLogs, formatAge, runScheduledLogMaintenance } from './anonymize';
import { CLI_ACTOR } from './index';

const DAY = 86_400_000;
// The real clock: the `anonymize` entries a run writes are stamped with it.
const NOW = new Date();

let temp: TempEnv;
let sqlite: Database.Database;

beforeAll(async () => {
  temp = await createTempEnv();
  sqlite = new Database(databaseFilePath(temp.databaseUrl));
});

afterAll(async () => {
  sqlite.close();
  await temp.cleanup();
});

beforeEach(() => {
  sqlite.exec('DELETE FROM "Log"');
  delete process.env.LOG_RETENTION_DAYS;
  delete process.env.LOG_ANONYMIZE_AFTER_DAYS;
  resetEnvForTests();
});

/** Inserts an entry stamped `ageMs` before NOW; returns its id. */
function entry(
  ageMs: number,
  fields: { user?: string | null; ip?: string | null; action?: string; fileId?: string | null; info?: string } = {},
) {
  const result = sqlite
    .prepare(
      'INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId") VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(
      NOW.getTime() - ageMs,
      fields.user === undefined ? 'alice' : fields.user,
      fields.ip === undefined ? '203.0.113.7' : fields.ip,
      fields.action ?? 'download',
      fields.info ?? 'file_id: YEeG18Qj, name: Ubersicht_Marz.pdf, bytes: 688',
      fields.fileId === undefined ? 'YEeG18Qj' : fields.fileId,
    );
  return Number(result.lastInsertRowid);
}

const byId = (id: number) => db().log.findUniqueOrThrow({ where: { id } });

describe('anonymizeLogs', () => {
  it('redacts who acted inside info too: typed sign-in names, user names, token owners', async () => {
    const typed = entry(40 * DAY, {
      user: null,
      action: 'login_failed',
      fileId: null,
      info: 'username: Mallory Smith, née: x',
    });
    const added = entry(40 * DAY, {
      user: 'cli',
      action: 'user_delete',
      fileId: null,
      info: 'username: bob, tokens_removed: 1',
    });
    const token = entry(40 * DAY, {
      user: 'alice',
      action: 'token_create',
      fileId: null,
      info: 'name: ci, id: ck1, owner: alice, expires: never',
    });
    const download = entry(40 * DAY);
    await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR });
    expect((await byId(typed)).info).toBe('username: anonymized');
    expect((await byId(added)).info).toBe('username: anonymized, tokens_removed: 1');
    expect((await byId(token)).info).toBe('name: ci, id: ck1, owner: anonymized, expires: never');
    expect((await byId(download)).info).toBe('file_id: YEeG18Qj, name: Ubersicht_Marz.pdf, bytes: 688');
  });

  it('also redacts info of entries anonymized before info was redacted', async () => {
    const earlier = entry(40 * DAY, {
      user: 'anonymized',
      action: 'user_passwd',
      fileId: null,
      info: 'username: carol',
    });
    sqlite.prepare('UPDATE "Log" SET "anonymized" = 1, "ipAddress" = \'anonymized\' WHERE "id" = ?').run(earlier);
    await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR });
    expect((await byId(earlier)).info).toBe('username: anonymized');
  });

  it('redacts user and IP of entries older than N days, keeps what happened, and records the run', async () => {
    const old = entry(40 * DAY, { user: 'bob', ip: '2001:db8::1' });
    const anonymous = entry(31 * DAY, { user: 'anonymous', ip: '198.51.100.9' });
    const failed = entry(35 * DAY, { user: null, action: 'login_failed', fileId: null, info: 'username: mallory' });
    const recent = entry(2 * DAY);

    const result = await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR });
    expect(result).toEqual({ count: 3, before: new Date(NOW.getTime() - 30 * DAY), olderThanMs: 30 * DAY });

    expect(await byId(old)).toMatchObject({
      user: 'anonymized',
      ipAddress: 'anonymized',
      anonymized: true,
      action: 'download',
      fileId: 'YEeG18Qj',
      info: 'file_id: YEeG18Qj, name: Ubersicht_Marz.pdf, bytes: 688',
      timestamp: new Date(NOW.getTime() - 40 * DAY),
    });
    expect(await byId(anonymous)).toMatchObject({ user: 'anonymized', ipAddress: 'anonymized', anonymized: true });
    expect(await byId(failed)).toMatchObject({ user: 'anonymized', anonymized: true, info: 'username: anonymized' });
    expect(await byId(recent)).toMatchObject({ user: 'alice', ipAddress: '203.0.113.7', anonymized: false });

    // One `anonymize` entry with the count; it is new, so it is not anonymized itself.
    const runs = await db().log.findMany({ where: { action: 'anonymize' } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      user: 'cli',
      ipAddress: 'terminal',
      anonymized: false,
      info: `count: 3, older_than: 30d, before: ${new Date(NOW.getTime() - 30 * DAY).toISOString()}`,
    });
  });

  it('keeps an entry exactly N days old and anonymizes one a millisecond older', async () => {
    const exactly = entry(30 * DAY);
    const justOlder = entry(30 * DAY + 1);
    const justYounger = entry(30 * DAY - 1);
    expect((await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR })).count).toBe(1);
    expect((await byId(exactly)).anonymized).toBe(false);
    expect((await byId(justYounger)).anonymized).toBe(false);
    expect(await byId(justOlder)).toMatchObject({ anonymized: true, user: 'anonymized' });
  });

  it('is idempotent: a second run changes and counts nothing, and still says it ran', async () => {
    entry(50 * DAY);
    entry(45 * DAY);
    expect((await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR })).count).toBe(2);
    const before = await db().log.findMany({ orderBy: { id: 'asc' }, where: { action: { not: 'anonymize' } } });
    expect((await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR })).count).toBe(0);
    expect(await db().log.findMany({ orderBy: { id: 'asc' }, where: { action: { not: 'anonymize' } } })).toEqual(
      before,
    );
    const runs = await db().log.findMany({ where: { action: 'anonymize' }, orderBy: { id: 'asc' } });
    expect(runs.map((run) => run.info.split(',')[0])).toEqual(['count: 2', 'count: 0']);
  });

  it('with 0 days anonymizes everything up to now, earlier runs included', async () => {
    entry(5000);
    entry(1);
    await anonymizeLogs({ olderThanDays: 30, now: NOW, actor: CLI_ACTOR });
    const result = await anonymizeLogs({ olderThanMs: 0, now: new Date(Date.now() + 1000), actor: CLI_ACTOR });
    // the two entries and the first run's own `anonymize` entry
    expect(result.count).toBe(3);
    expect(await db().log.count({ where: { anonymized: false } })).toBe(1); // the second run's entry
  });

  it('refuses a negative age', async () => {
    await expect(anonymizeLogs({ olderThanDays: -1, actor: CLI_ACTOR })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('counts each entry once when two runs overlap (as two server processes would)', async () => {
    const insert = sqlite.prepare('INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action") VALUES (?, ?, ?, ?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 12_345; i++) insert.run(NOW.getTime() - 40 * DAY + i, `user${i % 7}`, '10.0.0.1', 'download');
    })();
    const before = new Date(NOW.getTime() - 30 * DAY);
    const counts = await Promise.all([
      anonymizeLogsBefore(before),
      anonymizeLogsBefore(before),
      anonymizeLogsBefore(before),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12_345);
    expect(await db().log.count({ where: { anonymized: false } })).toBe(0);
  });
});

describe('deleteOldLogs', () => {
  it('deletes entries strictly older than N days and returns the count', async () => {
    const kept = entry(365 * DAY);
    entry(365 * DAY + 1);
    entry(400 * DAY);
    expect(await deleteOldLogs({ olderThanDays: 365, now: NOW })).toMatchObject({ count: 2 });
    expect((await db().log.findMany()).map((row) => row.id)).toEqual([kept]);
  });

  it('deletes in batches: more entries than one batch all go', async () => {
    const insert = sqlite.prepare('INSERT INTO "Log" ("timestamp", "action") VALUES (?, ?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 11_000; i++) insert.run(NOW.getTime() - 100 * DAY - i, 'login');
    })();
    entry(DAY);
    expect((await deleteOldLogs({ olderThanDays: 90, now: NOW })).count).toBe(11_000);
    expect(await db().log.count()).toBe(1);
  });
});

describe('runScheduledLogMaintenance', () => {
  it('anonymizes after LOG_ANONYMIZE_AFTER_DAYS and records one entry by the system', async () => {
    process.env.LOG_ANONYMIZE_AFTER_DAYS = '7';
    resetEnvForTests();
    entry(8 * DAY);
    entry(6 * DAY);
    expect(await runScheduledLogMaintenance({ now: NOW })).toBe('anonymized 1 entry older than 7 days');
    const [run] = await db().log.findMany({ where: { action: 'anonymize' } });
    expect(run).toMatchObject({
      user: 'system',
      ipAddress: null,
      info: expect.stringMatching(/^count: 1, older_than: 7d, before: /),
    });
  });

  it('writes nothing when there is nothing to do (a second server process, the next day)', async () => {
    entry(DAY);
    expect(await runScheduledLogMaintenance({ now: NOW })).toBeUndefined();
    expect(await db().log.count({ where: { action: 'anonymize' } })).toBe(0);
    entry(40 * DAY);
    expect(await runScheduledLogMaintenance({ now: NOW })).toBe('anonymized 1 entry older than 30 days');
    expect(await runScheduledLogMaintenance({ now: NOW })).toBeUndefined();
    expect(await db().log.count({ where: { action: 'anonymize' } })).toBe(1);
  });

  it('deletes entries past LOG_RETENTION_DAYS and says so in the same entry', async () => {
    process.env.LOG_RETENTION_DAYS = '90';
    resetEnvForTests();
    entry(100 * DAY);
    entry(95 * DAY);
    entry(40 * DAY);
    const recent = entry(DAY);
    expect(await runScheduledLogMaintenance({ now: NOW })).toBe(
      'anonymized 1 entry older than 30 days; deleted 2 entries older than 90 days',
    );
    const [run] = await db().log.findMany({ where: { action: 'anonymize' } });
    expect(run.info).toMatch(/^count: 1, older_than: 30d, before: \S+, deleted: 2, deleted_older_than: 90d$/);
    expect(await db().log.count()).toBe(3); // the 40-day entry, the recent one, the run's entry
    expect((await byId(recent)).anonymized).toBe(false);
  });

  it('is off for deletion by default', async () => {
    entry(3650 * DAY);
    await runScheduledLogMaintenance({ now: NOW });
    expect(await db().log.count({ where: { action: 'download' } })).toBe(1);
  });
});

describe('formatAge', () => {
  it('says ages as the CLI prints them', () => {
    expect([30 * DAY, DAY, 0, 12 * 3_600_000, 90 * 60_000, 45_000].map(formatAge)).toEqual([
      '30 days',
      '1 day',
      '0 days',
      '12 hours',
      '90 minutes',
      '45 seconds',
    ]);
  });
});

describe('share-link IPs', () => {
  it('forgets the IP a link was last used from on the same schedule', async () => {
    const file = await db().file.create({
      data: { id: 'linkipfile', name: 'link-ip.txt', size: 1n, type: 'text/plain' },
    });
    const old = new Date(Date.now() - 40 * 86_400_000);
    await db().link.create({
      data: {
        id: 'old-link',
        fileId: file.id,
        expiresAt: old,
        lastUsedAt: old,
        lastUsedIp: '203.0.113.9',
        downloads: 1,
      },
    });
    await db().link.create({
      data: {
        id: 'new-link',
        fileId: file.id,
        expiresAt: new Date(Date.now() + 3_600_000),
        lastUsedAt: new Date(),
        lastUsedIp: '203.0.113.10',
        downloads: 1,
      },
    });
    await anonymizeLogs({ olderThanDays: 30, actor: { user: 'cli', ip: 'terminal' } });
    expect((await db().link.findUnique({ where: { id: 'old-link' } }))?.lastUsedIp).toBeNull();
    expect((await db().link.findUnique({ where: { id: 'new-link' } }))?.lastUsedIp).toBe('203.0.113.10');
  });
});
