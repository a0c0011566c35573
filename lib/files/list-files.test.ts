// The file list against 100,000 rows: every page query must be an index read (checked with
// EXPLAIN QUERY PLAN of the exact SQL listFiles runs), and paging must visit every row once.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../db';
import { databaseFilePath } from '../env/paths';
import { AppError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import { createTempEnv, type TempEnv } from '../testing/temp-env';
import { buildListQuery, encodeCursor, listFiles, type FileSort, type SortOrder } from './list-files';

const ROWS = 100_000;
const BASE_TIME = Date.UTC(2026, 0, 1);

type Seeded = { id: string; name: string; size: number; uploadedAt: number };

let temp: TempEnv;
let seeded: Seeded[];

beforeAll(async () => {
  temp = await createTempEnv();
  seeded = [];
  for (let i = 0; i < ROWS; i++) {
    seeded.push({
      id: `id${i.toString(36).padStart(6, '0')}`,
      name: `file-${i}.bin`,
      // Few distinct sizes and times, so ties are common and the id tie-break matters.
      size: (i * 7919) % 5000,
      uploadedAt: BASE_TIME + Math.floor(((i * 104729) % ROWS) / 3) * 1000,
    });
  }
  seeded.push(
    { id: 'QrtRpt01', name: 'Quarterly Report.PDF', size: 1360, uploadedAt: BASE_TIME },
    { id: 'pctFile1', name: 'my_file%.txt', size: 10, uploadedAt: BASE_TIME },
    { id: 'pctFile2', name: 'myXfileY.txt', size: 10, uploadedAt: BASE_TIME },
  );
  const sqlite = new Database(databaseFilePath(temp.databaseUrl));
  const insert = sqlite.prepare(
    `INSERT INTO "File" ("id", "name", "size", "type", "visibility", "uploadedAt", "downloads") VALUES (?, ?, ?, 'application/octet-stream', 'private', ?, 0)`,
  );
  sqlite.transaction(() => {
    for (const row of seeded) insert.run(row.id, row.name, row.size, row.uploadedAt);
  })();
  sqlite.exec('ANALYZE');
  sqlite.close();
}, 120_000);

afterAll(async () => {
  await temp.cleanup();
});

const SORTS: [FileSort, SortOrder][] = [
  ['date', 'desc'],
  ['date', 'asc'],
  ['name', 'asc'],
  ['name', 'desc'],
  ['size', 'desc'],
  ['size', 'asc'],
];

function expectedOrder(sort: FileSort, order: SortOrder): string[] {
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const sign = order === 'asc' ? 1 : -1;
  return [...seeded]
    .sort((a, b) => {
      switch (sort) {
        case 'date':
          return sign * (cmp(a.uploadedAt, b.uploadedAt) || cmp(a.id, b.id));
        case 'size':
          return sign * (cmp(a.size, b.size) || cmp(a.id, b.id));
        case 'name':
          return sign * cmp(a.name, b.name);
      }
    })
    .map((row) => row.id);
}

async function plan(query: Prisma.Sql): Promise<string[]> {
  const rows = await db().$queryRaw<{ detail: string }[]>(Prisma.sql`EXPLAIN QUERY PLAN ${query}`);
  return rows.map((row) => row.detail);
}

/** The result and the median time of 7 runs (single runs catch GC pauses). */
async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < 7; i++) {
    const start = process.hrtime.bigint();
    result = await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return [result, times.sort((a, b) => a - b)[3]];
}

describe('listFiles with 100,000 files', () => {
  it.each(SORTS)('reads the first page and a cursor page sorted by %s %s through an index', async (sort, order) => {
    const middle = seeded[54_321];
    const key = sort === 'date' ? middle.uploadedAt : sort === 'size' ? BigInt(middle.size) : middle.name;
    const first = await plan(buildListQuery({ sort, order, limit: 51, after: null }));
    const next = await plan(buildListQuery({ sort, order, limit: 51, after: { key, id: middle.id } }));

    for (const detail of [...first, ...next]) {
      expect(detail).toMatch(/USING (COVERING )?INDEX/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    }
    // A cursor page seeks into the index instead of scanning from its start.
    expect(next.join(' ')).toMatch(/^SEARCH File USING (COVERING )?INDEX/);

    const cursor = encodeCursor(
      sort === 'date' ? middle.uploadedAt : sort === 'size' ? String(middle.size) : middle.name,
      middle.id,
      sort,
      order,
    );
    const [, firstMs] = await timed(() => listFiles({ sort, order, limit: 50 }));
    const [page, cursorMs] = await timed(() => listFiles({ sort, order, limit: 50, cursor }));
    expect(page.items).toHaveLength(50);
    console.log(
      `listFiles ${sort} ${order}: first page ${firstMs.toFixed(2)} ms, cursor page ${cursorMs.toFixed(2)} ms (median of 7)\n  plan: ${first.join('; ')}\n  cursor plan: ${next.join('; ')}`,
    );
  });

  it.each(SORTS)('pages through every file exactly once, in order, sorted by %s %s', async (sort, order) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listFiles>> = await listFiles({ sort, order, limit: 200, cursor });
      seen.push(...page.items.map((file) => file.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(seeded.length / 200));
    expect(seen).toEqual(expectedOrder(sort, order));
  });

  it('lists newest first by default, 50 at a time', async () => {
    const page = await listFiles();
    expect(page.items).toHaveLength(50);
    expect(page.items.map((file) => file.id)).toEqual(expectedOrder('date', 'desc').slice(0, 50));
    expect(page.nextCursor).toEqual(expect.any(String));
    // The raw page rows are the same typed records Prisma's own queries give.
    expect(page.items[0]).toEqual(await db().file.findUniqueOrThrow({ where: { id: page.items[0].id } }));
    expect(page.items[0].uploadedAt).toBeInstanceOf(Date);
    expect(typeof page.items[0].size).toBe('bigint');
  });

  it('returns no cursor on the last page', async () => {
    const page = await listFiles({ q: 'Quarterly' });
    expect(page.items.map((file) => file.name)).toEqual(['Quarterly Report.PDF']);
    expect(page.nextCursor).toBeNull();
  });

  it('searches names case-insensitively and ids by prefix', async () => {
    const [byName, ms] = await timed(() => listFiles({ q: 'quarterly report', sort: 'name' }));
    expect(byName.items.map((file) => file.id)).toEqual(['QrtRpt01']);
    console.log(`listFiles search over ${seeded.length} files: ${ms.toFixed(2)} ms (median of 7)`);

    // Binary name order: 'X' (0x58) sorts before '_' (0x5F).
    const byId = await listFiles({ q: 'pctFile', sort: 'name' });
    expect(byId.items.map((file) => file.id)).toEqual(['pctFile2', 'pctFile1']);
    // An id prefix is case-sensitive: ids are.
    expect((await listFiles({ q: 'PCTFILE' })).items).toEqual([]);

    const numbered = await listFiles({ q: 'file-4242', sort: 'name', limit: 5 });
    expect(numbered.items.map((file) => file.name)).toEqual([
      'file-4242.bin',
      'file-42420.bin',
      'file-42421.bin',
      'file-42422.bin',
      'file-42423.bin',
    ]);
    const rest = await listFiles({ q: 'file-4242', sort: 'name', limit: 200, cursor: numbered.nextCursor });
    expect(rest.items).toHaveLength(6);
    expect(rest.nextCursor).toBeNull();
  });

  it('treats % and _ in a search literally', async () => {
    const page = await listFiles({ q: '_file%' });
    expect(page.items.map((file) => file.name)).toEqual(['my_file%.txt']);
  });

  it('refuses a cursor from another sort, a forged cursor and a bad limit', async () => {
    const { nextCursor } = await listFiles({ sort: 'size', order: 'desc' });
    const other = await listFiles({ sort: 'date', cursor: nextCursor }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(AppError);
    expect((other as AppError).message).toMatch(/different sort order/);
    await expect(listFiles({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(
      listFiles({ cursor: Buffer.from('{"s":"date","o":"desc","k":"1 OR 1=1","i":"x"}').toString('base64url') }),
    ).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(listFiles({ limit: 0 })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(listFiles({ limit: 201 })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
