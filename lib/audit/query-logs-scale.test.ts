// The audit log with 1,000,000 entries: the first page and a deep cursor page of every filter
// must be one index range read (EXPLAIN QUERY PLAN of the exact SQL queryLogs runs: no full
// table scan, no temp b-tree for sorting), and the timings are printed (not asserted: machines
// differ). The database has no ANALYZE statistics, as a production database would not.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, prepareDatabase } from '../db';
import { databaseFilePath } from '../env/paths';
import { Prisma } from '../generated/prisma/client';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { anonymizeLogsBefore } from './anonymize';
import {
  buildLogQuery,
  encodeLogCursor,
  idBoundsForTimeRange,
  pickDriver,
  queryLogs,
  type QueryLogsInput,
} from './query-logs';
import type { LogFilters } from './schemas';

const ROWS = 1_000_000;
const START = Date.UTC(2026, 8, 1); // 1 September 2026
const STEP_MS = 5000; // one entry every 5 s: 1,000,000 entries span 58 days
const DEEP_ID = 40_000; // a cursor near the oldest end: 960,000 newer entries to skip

let temp: TempEnv;

// Deterministic pseudo-random numbers, so every run measures the same table.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ACTIONS: [string, number][] = [
  ['download', 0.6],
  ['upload', 0.1],
  ['login', 0.08],
  ['logout', 0.07],
  ['link_create', 0.05],
  ['link_denied', 0.04],
  ['login_failed', 0.03],
  ['delete', 0.02],
  ['token_create', 0.01],
];

beforeAll(async () => {
  temp = await createTempEnv();
  const sqlite = new Database(databaseFilePath(temp.databaseUrl));
  const insert = sqlite.prepare(
    'INSERT INTO "Log" ("timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized") VALUES (?, ?, ?, ?, ?, ?, 0)',
  );
  const next = random(42);
  const started = performance.now();
  sqlite.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      let pick = next();
      let action = ACTIONS[0][0];
      for (const [name, weight] of ACTIONS) {
        if (pick < weight) {
          action = name;
          break;
        }
        pick -= weight;
      }
      const fileAction = ['download', 'upload', 'link_create', 'link_denied', 'delete'].includes(action);
      const user = action === 'download' && next() < 0.7 ? 'anonymous' : `user${Math.floor(next() * 50)}`;
      const ip = `10.0.${Math.floor(next() * 8)}.${Math.floor(next() * 250)}`; // 2,000 addresses
      const fileId = fileAction
        ? `f${Math.floor(next() * 20_000)
            .toString(36)
            .padStart(7, '0')}`
        : null;
      // A few milliseconds out of order now and then, as two processes writing at once make it.
      const timestamp = START + i * STEP_MS - (next() < 0.01 ? Math.floor(next() * 50) : 0);
      insert.run(timestamp, user, ip, action, fileId ? `file_id: ${fileId}, name: report-${i}.pdf` : '', fileId);
    }
  })();
  console.log(
    `inserted ${ROWS.toLocaleString('en')} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  sqlite.close();
  await prepareDatabase(); // WAL, as the server and the CLI run it
}, 120_000);

afterAll(async () => {
  await temp.cleanup();
});

const at = (index: number) => new Date(START + index * STEP_MS);

const CASES: [string, Partial<LogFilters>][] = [
  ['no filter', {}],
  ['action', { action: 'login_failed' }],
  ['user', { user: 'user7' }],
  ['ip', { ip: '10.0.3.99' }],
  ['fileId', { fileId: 'f0000abc' }],
  ['since', { since: at(500_000) }],
  ['until', { until: at(100_000) }],
  ['since and until', { since: at(30_000), until: at(60_000) }],
  ['action and user', { action: 'login', user: 'user7' }],
  ['fileId and action (download history)', { fileId: 'f0000abc', action: 'download' }],
  ['user and ip', { user: 'anonymous', ip: '10.0.3.99' }],
  ['two common filters that never meet (worst case)', { action: 'login_failed', user: 'anonymous' }],
  ['action and time range', { action: 'delete', since: at(20_000), until: at(200_000) }],
  [
    'everything',
    { action: 'download', user: 'anonymous', ip: '10.0.3.99', fileId: 'f0000abc', since: at(0), until: at(ROWS) },
  ],
];

async function planOf(query: Prisma.Sql): Promise<string[]> {
  const rows = await db().$queryRaw<{ detail: string }[]>(Prisma.sql`EXPLAIN QUERY PLAN ${query}`);
  return rows.map((row) => row.detail);
}

/** The result and the median time of 5 runs. */
async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    result = await run();
    times.push(performance.now() - start);
  }
  return [result, times.sort((a, b) => a - b)[2]];
}

function expectIndexRead(plan: string[]) {
  for (const detail of plan) {
    expect(detail).not.toMatch(/TEMP B-TREE/);
    // `SCAN Log` is allowed only as the rowid walk of the unfiltered first page, which stops
    // after `limit` rows; every other step must be a SEARCH through an index or the rowid.
    if (!/^SEARCH /.test(detail)) expect(detail).toBe('SCAN Log');
  }
}

describe('queryLogs with 1,000,000 entries', () => {
  it.each(CASES)('reads the first page and a deep cursor page with the filter: %s', async (_name, filters) => {
    const bounds = await idBoundsForTimeRange(filters);
    const driver = await pickDriver(filters, bounds.below);
    const deepDriver = await pickDriver(filters, DEEP_ID);
    const first = await planOf(buildLogQuery({ filters, beforeId: null, bounds, limit: 101, driver }));
    const deep = await planOf(buildLogQuery({ filters, beforeId: DEEP_ID, bounds, limit: 101, driver: deepDriver }));
    expectIndexRead(first);
    expectIndexRead(deep);
    // The deep page seeks straight to the cursor.
    expect(deep.join(' ')).toMatch(
      /^SEARCH Log USING (?:COVERING )?(?:INDEX \S+|INTEGER PRIMARY KEY) \(.*\b(?:rowid|id)<\?/,
    );
    // The time range itself was found with seeks in the timestamp index.
    if (filters.since || filters.until) {
      const seek = await planOf(
        Prisma.sql`SELECT "id" FROM "Log" WHERE "timestamp" < ${0} ORDER BY "timestamp" DESC LIMIT 1`,
      );
      expect(seek.join(' ')).toMatch(/SEARCH Log USING COVERING INDEX Log_timestamp_idx/);
    }

    const input: QueryLogsInput = { ...filters, limit: 100 };
    const [firstPage, firstMs] = await timed(() => queryLogs(input));
    const [deepPage, deepMs] = await timed(() => queryLogs({ ...input, cursor: encodeLogCursor(DEEP_ID) }));
    for (const entry of [...firstPage.items, ...deepPage.items]) {
      if (filters.action) expect(entry.action).toBe(filters.action);
      if (filters.user) expect(entry.user).toBe(filters.user);
      if (filters.ip) expect(entry.ipAddress).toBe(filters.ip);
      if (filters.fileId) expect(entry.fileId).toBe(filters.fileId);
      if (filters.since) expect(entry.timestamp.getTime()).toBeGreaterThanOrEqual(filters.since.getTime());
      if (filters.until) expect(entry.timestamp.getTime()).toBeLessThan(filters.until.getTime());
    }
    for (const entry of deepPage.items) expect(entry.id).toBeLessThan(DEEP_ID);
    console.log(
      `queryLogs ${_name}${driver ? ` (driven by ${driver})` : ''}: first page ${firstMs.toFixed(2)} ms (${firstPage.items.length} entries), ` +
        `deep page ${deepMs.toFixed(2)} ms (${deepPage.items.length} entries) (median of 5)\n` +
        `  plan: ${first.join('; ')}\n  deep plan: ${deep.join('; ')}`,
    );
  });

  it('anonymizes 30-day-old entries in batches, and a second run finds nothing quickly', async () => {
    const now = at(ROWS); // the newest entry's time
    const before = new Date(now.getTime() - 30 * 86_400_000);
    const expected = await db().log.count({ where: { timestamp: { lt: before } } });
    let started = performance.now();
    const count = await anonymizeLogsBefore(before);
    const firstMs = performance.now() - started;
    expect(count).toBe(expected);
    started = performance.now();
    expect(await anonymizeLogsBefore(before)).toBe(0);
    const againMs = performance.now() - started;
    console.log(
      `anonymizeLogsBefore: ${count.toLocaleString('en')} entries in ${firstMs.toFixed(0)} ms; ` +
        `second run (nothing to do) ${againMs.toFixed(0)} ms`,
    );
  });
});
