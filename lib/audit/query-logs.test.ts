// The log filters and paging on a small log whose every entry is known: each filter alone and
// combined, the time range edges, entries slightly out of time order, and cursor paging that
// returns every entry exactly once.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFilePath } from '../env/paths';
import { AppError } from '../errors';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { recordAudit } from './index';
import { decodeLogCursor, encodeLogCursor, queryLogs, serializeLogEntry, type QueryLogsInput } from './query-logs';
import { logQuerySchema } from './schemas';

type Row = {
  id: number;
  timestamp: number;
  user: string | null;
  ip: string | null;
  action: string;
  fileId: string | null;
};

const START = Date.UTC(2026, 10, 1, 12); // 1 November 2026, 12:00 UTC
const MINUTE = 60_000;
const USERS = ['alice', 'bob', 'anonymous', null];
const IPS = ['203.0.113.7', '2001:db8::1', '10.0.0.1'];
const ACTIONS = ['download', 'upload', 'login', 'link_denied', 'delete'];
const FILES = ['YEeG18Qj', 'C7+mw7wj', 'Ez5tN6/Y'];

let temp: TempEnv;
const rows: Row[] = [];

beforeAll(async () => {
  temp = await createTempEnv();
  const sqlite = new Database(databaseFilePath(temp.databaseUrl));
  const insert = sqlite.prepare(
    'INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId") VALUES (?, ?, ?, ?, ?, ?)',
  );
  sqlite.transaction(() => {
    for (let i = 0; i < 600; i++) {
      const action = ACTIONS[i % ACTIONS.length];
      const fileId = action === 'login' ? null : FILES[i % FILES.length];
      // One entry a minute; every 50th is written 3 s "late" (a later id, an earlier time),
      // as two processes writing at once can do.
      const timestamp = START + i * MINUTE - (i % 50 === 49 ? 3000 + MINUTE : 0);
      const row = { timestamp, user: USERS[i % USERS.length], ip: IPS[i % IPS.length], action, fileId };
      const { lastInsertRowid } = insert.run(timestamp, row.user, row.ip, action, `n: ${i}`, fileId);
      rows.push({ id: Number(lastInsertRowid), ...row });
    }
  })();
  sqlite.close();
});

afterAll(async () => {
  await temp.cleanup();
});

/** What a filter must return: the matching rows, newest (highest id) first. */
function expected(filters: QueryLogsInput): number[] {
  return rows
    .filter(
      (row) =>
        (!filters.action || row.action === filters.action) &&
        (!filters.user || row.user === filters.user) &&
        (!filters.ip || row.ip === filters.ip) &&
        (!filters.fileId || row.fileId === filters.fileId) &&
        (!filters.since || row.timestamp >= filters.since.getTime()) &&
        (!filters.until || row.timestamp < filters.until.getTime()),
    )
    .map((row) => row.id)
    .sort((a, b) => b - a);
}

/** Every page of a query, following the cursor, as ids. */
async function allPages(filters: QueryLogsInput, limit: number): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Awaited<ReturnType<typeof queryLogs>> = await queryLogs({ ...filters, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((entry) => entry.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

const at = (minute: number) => new Date(START + minute * MINUTE);

const FILTERS: [string, QueryLogsInput][] = [
  ['nothing', {}],
  ['action', { action: 'download' }],
  ['user', { user: 'alice' }],
  ['ip (IPv6)', { ip: '2001:db8::1' }],
  ['file id with + in it', { fileId: 'C7+mw7wj' }],
  ['file id with / in it', { fileId: 'Ez5tN6/Y' }],
  ['since', { since: at(500) }],
  ['until', { until: at(100) }],
  ['since and until', { since: at(120), until: at(180) }],
  ['action and user', { action: 'upload', user: 'bob' }],
  ['action, file and ip', { action: 'download', fileId: 'YEeG18Qj', ip: '203.0.113.7' }],
  ['user and time range', { user: 'anonymous', since: at(48), until: at(250) }],
  [
    'everything',
    { action: 'link_denied', user: 'alice', ip: '10.0.0.1', fileId: 'YEeG18Qj', since: at(0), until: at(600) },
  ],
  ['a value no entry has', { user: 'mallory' }],
];

describe('queryLogs', () => {
  it.each(FILTERS)(
    'filters by %s, newest first, and pages through every match exactly once',
    async (_name, filters) => {
      const want = expected(filters);
      const first = await queryLogs({ ...filters, limit: 500 });
      expect(first.items.map((entry) => entry.id)).toEqual(want.slice(0, 500));
      for (const limit of [1, 7, 100]) {
        const { ids, pages } = await allPages(filters, limit);
        expect(ids).toEqual(want);
        expect(pages).toBe(Math.max(1, Math.ceil(want.length / limit)));
      }
    },
  );

  it('returns 100 entries by default with a cursor to the next page, and no cursor on the last', async () => {
    const page = await queryLogs();
    expect(page.items).toHaveLength(100);
    expect(page.items[0]).toMatchObject({ id: 600, action: ACTIONS[599 % 5], info: 'n: 599', anonymized: false });
    expect(page.items[0].timestamp).toEqual(new Date(rows[599].timestamp));
    expect(page.nextCursor).toEqual(expect.any(String));
    const last = await queryLogs({ cursor: encodeLogCursor(3) });
    expect(last.items.map((entry) => entry.id)).toEqual([2, 1]);
    expect(last.nextCursor).toBeNull();
  });

  it('counts since as inclusive and until as exclusive, to the millisecond', async () => {
    const row = rows[200];
    const exact = new Date(row.timestamp);
    expect((await queryLogs({ since: exact, until: new Date(row.timestamp + 1) })).items.map((e) => e.id)).toEqual([
      row.id,
    ]);
    expect((await queryLogs({ until: exact, since: new Date(row.timestamp - 1) })).items).toEqual([]);
  });

  it('finds an entry written late (a later id with an earlier time) by its own time', async () => {
    const late = rows[49]; // stamped 3 s before the entry written just before it
    expect(late.timestamp).toBeLessThan(rows[48].timestamp);
    const page = await queryLogs({ since: new Date(late.timestamp), until: new Date(late.timestamp + 1) });
    expect(page.items.map((entry) => entry.id)).toEqual([late.id]);
  });

  it('refuses a cursor it did not make and a limit out of range', async () => {
    await expect(queryLogs({ cursor: 'bm9wZQ' })).rejects.toThrow(AppError);
    await expect(queryLogs({ cursor: 'not a cursor' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(queryLogs({ limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(queryLogs({ limit: 501 })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(decodeLogCursor(encodeLogCursor(123))).toBe(123);
  });

  it('shows entries as recordAudit writes them, with the time in ISO UTC', async () => {
    await recordAudit({
      action: 'upload',
      actor: { user: 'carol', ip: '198.51.100.4' },
      fileId: 'k+qoBDQH',
      info: { file_id: 'k+qoBDQH', name: 'team-photo.png' },
    });
    const [entry] = (await queryLogs({ user: 'carol' })).items;
    const serialized = serializeLogEntry(entry);
    expect(serialized).toEqual({
      id: 601,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      action: 'upload',
      user: 'carol',
      ip: '198.51.100.4',
      info: 'file_id: k+qoBDQH, name: team-photo.png',
      fileId: 'k+qoBDQH',
      anonymized: false,
    });
    expect(Math.abs(Date.parse(serialized.timestamp) - Date.now())).toBeLessThan(60_000);
  });
});

describe('logQuerySchema', () => {
  it('reads query-string values: blanks are no filter, numbers are coerced, IPs normalized', () => {
    expect(
      logQuerySchema.parse({ action: '', user: ' ', ip: '', fileId: '', since: '', until: '', limit: '', cursor: '' }),
    ).toEqual({
      limit: 100,
    });
    expect(
      logQuerySchema.parse({ action: 'download', user: ' alice ', ip: '::FFFF:10.0.0.1', limit: '25' }),
    ).toMatchObject({
      action: 'download',
      user: 'alice',
      ip: '10.0.0.1',
      limit: 25,
    });
    expect(logQuerySchema.parse({ ip: '2001:DB8:0:0::1' }).ip).toBe('2001:db8::1');
    // Not an address (the CLI's 'terminal', anonymized entries): compared as typed.
    expect(logQuerySchema.parse({ ip: 'terminal' }).ip).toBe('terminal');
  });

  it('reads ISO 8601 times, UTC when no zone is given', () => {
    const parse = (since: string) => logQuerySchema.parse({ since }).since?.toISOString();
    expect(parse('2026-11-23T19:22:53.123Z')).toBe('2026-11-23T19:22:53.123Z');
    expect(parse('2026-11-23T20:22:53+01:00')).toBe('2026-11-23T19:22:53.000Z');
    expect(parse('2026-11-23T20:22:53+0100')).toBe('2026-11-23T19:22:53.000Z');
    expect(parse('2026-11-23T19:22')).toBe('2026-11-23T19:22:00.000Z');
    expect(parse('2026-11-23')).toBe('2026-11-23T00:00:00.000Z');
  });

  it('refuses what it cannot read, with the field name in the message', () => {
    const problem = (input: Record<string, string>) => {
      const result = logQuerySchema.safeParse(input);
      expect(result.success).toBe(false);
      return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    };
    expect(problem({ action: 'frobnicate' })).toMatch(/^action: must be one of login, login_failed, /);
    expect(problem({ since: 'yesterday' })).toMatch(/^since: must be an ISO 8601 time/);
    expect(problem({ since: '2026-02-31' })).toMatch(/^since:/);
    expect(problem({ since: '2026-11-23T10:00Z', until: '2026-11-23T10:00Z' })).toBe(
      'until: must be later than since.',
    );
    expect(problem({ limit: '501' })).toBe('limit: must be at most 500.');
    expect(problem({ limit: 'ten' })).toBe('limit: must be a number.');
  });
});
