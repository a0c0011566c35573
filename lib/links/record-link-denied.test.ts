// The cap on link_denied entries: a flood of forged links from one client writes a handful of
// rows and one count, while other clients and other reasons keep their own record.
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseFilePath } from '../env/paths';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import {
  flushLinkDenials,
  LINK_DENIED_PER_WINDOW,
  LINK_DENIED_WINDOW_MS,
  recordLinkDenied,
  setLinkDeniedClockForTests,
} from './record-link-denied';

let temp: TempEnv;
let sqlite: Database.Database;
let now = Date.UTC(2026, 11, 1, 12);

beforeAll(async () => {
  temp = await createTempEnv();
  sqlite = new Database(databaseFilePath(temp.databaseUrl));
});

afterAll(async () => {
  setLinkDeniedClockForTests(null);
  sqlite.close();
  await temp.cleanup();
});

beforeEach(() => {
  sqlite.exec('DELETE FROM "Log"');
  setLinkDeniedClockForTests(() => now);
});

afterEach(async () => {
  await flushLinkDenials();
});

type Row = { ipAddress: string; info: string; timestamp: number };
const rows = () =>
  sqlite
    .prepare(`SELECT "ipAddress", "info", "timestamp" FROM "Log" WHERE action = 'link_denied' ORDER BY id`)
    .all() as Row[];

const deny = (ip: string, reason: 'bad_signature' | 'expired' = 'bad_signature', fileId = 'AAAAAAAA') =>
  recordLinkDenied({ reason, fileId, actor: { user: 'anonymous', ip } });

describe('recordLinkDenied', () => {
  it(`writes the first ${LINK_DENIED_PER_WINDOW} denials per client and reason, then one entry with the count`, async () => {
    for (let i = 0; i < 5000; i++) await deny('203.0.113.66');
    await flushLinkDenials();
    const written = rows();
    expect(written).toHaveLength(LINK_DENIED_PER_WINDOW + 1);
    expect(written.slice(0, -1).every((r) => r.info === 'reason: bad_signature, file_id: AAAAAAAA')).toBe(true);
    expect(written.at(-1)!.info).toBe(
      `reason: bad_signature, file_id: AAAAAAAA, aggregated: true, count: ${5000 - LINK_DENIED_PER_WINDOW}, ` +
        `since: ${new Date(now).toISOString()}`,
    );
    expect(written.every((r) => r.ipAddress === '203.0.113.66')).toBe(true);
  });

  it('keeps a separate record per client IP and per reason', async () => {
    for (let i = 0; i < 50; i++) {
      await deny('203.0.113.66');
      await deny('198.51.100.7');
      await deny('203.0.113.66', 'expired');
    }
    await flushLinkDenials();
    const byKey = new Map<string, number>();
    for (const r of rows()) {
      const key = `${r.ipAddress} ${/reason: (\w+)/.exec(r.info)![1]}`;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(byKey)).toEqual({
      '203.0.113.66 bad_signature': LINK_DENIED_PER_WINDOW + 1,
      '198.51.100.7 bad_signature': LINK_DENIED_PER_WINDOW + 1,
      '203.0.113.66 expired': LINK_DENIED_PER_WINDOW + 1,
    });
  });

  it('starts a new window after a minute: the count of the old one is written, then single rows again', async () => {
    for (let i = 0; i < LINK_DENIED_PER_WINDOW + 3; i++) await deny('203.0.113.66');
    now += LINK_DENIED_WINDOW_MS;
    await deny('203.0.113.66');
    await flushLinkDenials();
    const infos = rows().map((r) => r.info);
    expect(infos).toHaveLength(LINK_DENIED_PER_WINDOW + 2);
    expect(infos[LINK_DENIED_PER_WINDOW]).toMatch(/aggregated: true, count: 3,/);
    expect(infos.at(-1)).toBe('reason: bad_signature, file_id: AAAAAAAA');
  });

  it('cuts a hostile file id from the URL so it cannot bloat the log', async () => {
    await deny('203.0.113.66', 'bad_signature', 'x'.repeat(10_000));
    await flushLinkDenials();
    expect(rows()[0].info.length).toBeLessThan(200);
  });
});
