// Reading the audit log: newest first, filtered, in pages that stay as fast at entry 900,000
// as at entry 1 (measured in query-logs-scale.test.ts on 1,000,000 rows).
//
// How each page stays one index range read:
// - Order and cursor are the id (the log is append-only, so a larger id is a later entry) and
//   every equality filter has an (X, id) index: `WHERE action = ? AND id < ? ORDER BY id DESC`
//   seeks into (action, id) and reads `limit` entries backwards.
// - With several equality filters one index drives and the others are checked on its rows
//   (written `+"col" = ?`, so SQLite cannot pick an index on a guess: it has no statistics
//   unless someone runs ANALYZE). The driver is the sparsest filter near the cursor, measured
//   by reading at most 1,000 entries of each filter's index (pickDriver): `user = anonymous`
//   matches half the log, `ip = 10.3.17.99` a handful, and driving by the first would read
//   every anonymous entry to find none.
// - A time range becomes an id range first (two seeks in the timestamp index, see
//   idBoundsForTimeRange), so it combines with any filter's (X, id) index. The exact time
//   condition stays in the query, so the answer is exact.
import 'server-only';
import { db } from '../db';
import { AppError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import { LOG_LIMIT_DEFAULT, LOG_LIMIT_MAX, type LogFilters } from './schemas';

export type LogEntry = {
  id: number;
  timestamp: Date;
  user: string | null;
  ipAddress: string | null;
  action: string;
  info: string;
  fileId: string | null;
  anonymized: boolean;
};

export type QueryLogsInput = Partial<LogFilters> & { limit?: number; cursor?: string | null };

export type QueryLogsResult = { items: LogEntry[]; nextCursor: string | null };

/**
 * How far an entry's timestamp may run behind an entry written before it. Ids are handed out
 * in commit order and timestamps a moment earlier, so two processes writing at once can
 * produce a later id with a slightly earlier time; an hour also covers a clock that NTP steps
 * back. The time filter stays exact as long as no entry is that far out of order.
 */
export const TIME_ORDER_SLACK_MS = 60 * 60_000;

export async function queryLogs(input: QueryLogsInput = {}): Promise<QueryLogsResult> {
  const limit = input.limit ?? LOG_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LOG_LIMIT_MAX) {
    throw new AppError('validation_failed', `limit must be a whole number from 1 to ${LOG_LIMIT_MAX}.`);
  }
  const beforeId = input.cursor ? decodeLogCursor(input.cursor) : null;
  const bounds = await idBoundsForTimeRange(input);
  const driver = await pickDriver(input, minOf(beforeId, bounds.below));
  // One row more than asked tells whether there is a next page.
  const rows = await db().$queryRaw<RawLogRow[]>(
    buildLogQuery({ filters: input, beforeId, bounds, limit: limit + 1, driver }),
  );
  const items = rows.slice(0, limit).map(toLogEntry);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeLogCursor(last.id) : null };
}

export type IdBounds = { above: number | null; below: number | null };

/**
 * Ids that bracket every entry of [since, until), found with one seek each in the timestamp
 * index: the entry just older than `since - slack` and the one just newer than `until + slack`.
 * With no entry out of time order by more than TIME_ORDER_SLACK_MS, every entry in the range
 * lies strictly between them.
 */
export async function idBoundsForTimeRange({ since, until }: { since?: Date; until?: Date }): Promise<IdBounds> {
  const bounds: IdBounds = { above: null, below: null };
  if (since) {
    const rows = await db().$queryRaw<{ id: number }[]>(
      Prisma.sql`SELECT "id" FROM "Log" WHERE "timestamp" < ${since.getTime() - TIME_ORDER_SLACK_MS} ORDER BY "timestamp" DESC LIMIT 1`,
    );
    if (rows.length) bounds.above = Number(rows[0].id);
  }
  if (until) {
    const rows = await db().$queryRaw<{ id: number }[]>(
      Prisma.sql`SELECT "id" FROM "Log" WHERE "timestamp" >= ${until.getTime() + TIME_ORDER_SLACK_MS} ORDER BY "timestamp" ASC LIMIT 1`,
    );
    if (rows.length) bounds.below = Number(rows[0].id);
  }
  return bounds;
}

type RawLogRow = {
  id: number | bigint;
  timestamp: Date | number | string;
  user: string | null;
  ipAddress: string | null;
  action: string;
  info: string;
  fileId: string | null;
  anonymized: boolean | number | bigint;
};

const COLUMNS = Prisma.raw('"id", "timestamp", "user", "ipAddress", "action", "info", "fileId", "anonymized"');

// The equality filters and their columns, in the order that breaks ties between them (the
// usually most selective first).
const EQUALITY_FILTERS = [
  ['fileId', '"fileId"'],
  ['user', '"user"'],
  ['ip', '"ipAddress"'],
  ['action', '"action"'],
] as const;

export type EqualityFilter = (typeof EQUALITY_FILTERS)[number][0];

const PROBE = 1000;

/**
 * The equality filter whose index should drive the page: the one with the fewest entries
 * among the next 1,000 below the cursor, or, when several have that many, the one whose
 * 1,000th entry lies furthest back (the sparsest). Each probe reads at most 1,000 entries of a
 * covering index, a fraction of a millisecond.
 */
export async function pickDriver(
  filters: Partial<LogFilters>,
  below: number | null,
): Promise<EqualityFilter | undefined> {
  const present = EQUALITY_FILTERS.filter(([key]) => filters[key] !== undefined);
  if (present.length < 2) return present[0]?.[0];
  let best: { key: EqualityFilter; n: number; reach: number } | undefined;
  for (const [key, column] of present) {
    const bound = below === null ? Prisma.empty : Prisma.sql`AND "id" < ${below}`;
    const [probe] = await db().$queryRaw<{ n: number | bigint; reach: number | bigint | null }[]>(Prisma.sql`
      SELECT count(*) AS "n", min("id") AS "reach" FROM (
        SELECT "id" FROM "Log" WHERE ${Prisma.raw(column)} = ${filters[key]} ${bound} ORDER BY "id" DESC LIMIT ${PROBE})`);
    const candidate = { key, n: Number(probe.n), reach: Number(probe.reach ?? 0) };
    if (!best || candidate.n < best.n || (candidate.n === PROBE && best.n === PROBE && candidate.reach < best.reach)) {
      best = candidate;
    }
  }
  return best?.key;
}

export type LogQueryPlan = {
  filters: Partial<LogFilters>;
  beforeId: number | null;
  bounds: IdBounds;
  limit: number;
  /** Which equality filter's index drives; by default the first present in EQUALITY_FILTERS. */
  driver?: EqualityFilter;
};

/**
 * The page query. Exported so the scale test can EXPLAIN exactly this SQL. Only fixed
 * fragments are spliced in; every value is a bound parameter.
 */
export function buildLogQuery({ filters, beforeId, bounds, limit, driver }: LogQueryPlan): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  const present = EQUALITY_FILTERS.filter(([key]) => filters[key] !== undefined);
  const driving = driver && filters[driver] !== undefined ? driver : present[0]?.[0];
  for (const [key, column] of present) {
    conditions.push(Prisma.sql`${Prisma.raw(key === driving ? column : `+${column}`)} = ${filters[key]}`);
  }
  const below = minOf(beforeId, bounds.below);
  if (below !== null) conditions.push(Prisma.sql`"id" < ${below}`);
  if (bounds.above !== null) conditions.push(Prisma.sql`"id" > ${bounds.above}`);
  // Checked on the rows the id range yields; `+` keeps SQLite from sorting by the timestamp index.
  if (filters.since) conditions.push(Prisma.sql`+"timestamp" >= ${filters.since.getTime()}`);
  if (filters.until) conditions.push(Prisma.sql`+"timestamp" < ${filters.until.getTime()}`);
  const where = conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  return Prisma.sql`SELECT ${COLUMNS} FROM "Log" ${where} ORDER BY "id" DESC LIMIT ${limit}`;
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function toLogEntry(row: RawLogRow): LogEntry {
  return {
    id: Number(row.id),
    timestamp: row.timestamp instanceof Date ? row.timestamp : new Date(Number(row.timestamp)),
    user: row.user,
    ipAddress: row.ipAddress,
    action: row.action,
    info: row.info,
    fileId: row.fileId,
    anonymized: row.anonymized === true || Number(row.anonymized) === 1,
  };
}

// The cursor is the last id shown, wrapped so clients treat it as opaque.
const CURSOR_PREFIX = 'log:';

export function encodeLogCursor(id: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${id}`, 'utf8').toString('base64url');
}

export function decodeLogCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!/^\d{1,16}$/.test(text.slice(CURSOR_PREFIX.length)) || !Number.isSafeInteger(id)) {
    throw new AppError('bad_request', 'The cursor is not valid. Start again without a cursor.');
  }
  return id;
}

/** The API's and the export's view of an entry: times in ISO 8601 UTC. */
export function serializeLogEntry(entry: LogEntry) {
  return {
    id: entry.id,
    timestamp: entry.timestamp.toISOString(),
    action: entry.action,
    user: entry.user,
    ip: entry.ipAddress,
    info: entry.info,
    fileId: entry.fileId,
    anonymized: entry.anonymized,
  };
}

export type SerializedLogEntry = ReturnType<typeof serializeLogEntry>;
