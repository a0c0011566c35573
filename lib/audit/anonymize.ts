// Anonymization and retention of the audit log, as the Flask server's
// `anonymize_logs_older_than(days=30)` did: the user and IP of entries older than N days are
// replaced by 'anonymized'; the action, time, file and info stay, so the log still says what
// happened, just no longer who did it or from where.
//
// Boundary: "older than N days" means strictly older. With cutoff = now - N days, an entry
// stamped exactly at the cutoff (exactly N days old) is kept as it is; one stamped a
// millisecond earlier is anonymized.
//
// Several server processes may run this at the same moment: each batch is one UPDATE that only
// touches rows still marked `anonymized = 0`, and SQLite runs it atomically, so every entry is
// changed and counted by exactly one process; the others count 0. Batches keep each write
// short, so a first run over a big imported log never holds the write lock for long.
import 'server-only';
import { db } from '../db';
import { env } from '../env';
import { formatDuration } from '../env/units';
import { AppError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import { ANONYMIZED } from './actions';
import { recordAudit, SYSTEM_ACTOR, type Actor } from './index';

const DAY_MS = 86_400_000;
const BATCH = 5000;

export type AgeInput = { olderThanDays: number; olderThanMs?: never } | { olderThanMs: number; olderThanDays?: never };

export type AnonymizeInput = AgeInput & { now?: Date; actor: Actor };

export type AnonymizeResult = { count: number; before: Date; olderThanMs: number };

/**
 * Redacts user and IP of every entry older than the given age and records one `anonymize`
 * entry with the count (always, also for 0: an operator who ran it sees that it ran). That
 * entry is new, so it is not itself anonymized.
 */
export async function anonymizeLogs(input: AnonymizeInput): Promise<AnonymizeResult> {
  const olderThanMs = ageInMs(input);
  const before = new Date((input.now ?? new Date()).getTime() - olderThanMs);
  const count = await anonymizeLogsBefore(before);
  await recordAudit({ action: 'anonymize', actor: input.actor, info: anonymizeInfo({ count, before, olderThanMs }) });
  return { count, before, olderThanMs };
}

export type DeleteOldLogsResult = { count: number; before: Date; olderThanMs: number };

/** Deletes every entry older than the given age (LOG_RETENTION_DAYS). Records nothing itself. */
export async function deleteOldLogs(input: AgeInput & { now?: Date }): Promise<DeleteOldLogsResult> {
  const olderThanMs = ageInMs(input);
  const before = new Date((input.now ?? new Date()).getTime() - olderThanMs);
  return { count: await deleteLogsBefore(before), before, olderThanMs };
}

/**
 * The server's daily job (run once at start and then every day by lib/server's scheduler):
 * deletes entries past LOG_RETENTION_DAYS when that is set, then anonymizes entries past
 * LOG_ANONYMIZE_AFTER_DAYS, and records one `anonymize` entry by `system` holding both
 * counts, but only when something changed: a run that finds nothing (or that another server
 * process beat to it) leaves no trace. Returns a line for the server's log, or undefined.
 */
export async function runScheduledLogMaintenance({ now = new Date() }: { now?: Date } = {}): Promise<
  string | undefined
> {
  const config = env();
  const deleted =
    config.logRetentionDays === null ? null : await deleteOldLogs({ olderThanDays: config.logRetentionDays, now });
  const olderThanMs = config.logAnonymizeAfterDays * DAY_MS;
  const before = new Date(now.getTime() - olderThanMs);
  const count = await anonymizeLogsBefore(before);
  if (count === 0 && !deleted?.count) return undefined;
  await recordAudit({
    action: 'anonymize',
    actor: SYSTEM_ACTOR,
    info: {
      ...anonymizeInfo({ count, before, olderThanMs }),
      ...(deleted?.count ? { deleted: deleted.count, deleted_older_than: shortAge(deleted.olderThanMs) } : {}),
    },
  });
  const parts = [`anonymized ${plural(count, 'entry', 'entries')} older than ${formatAge(olderThanMs)}`];
  if (deleted?.count)
    parts.push(`deleted ${plural(deleted.count, 'entry', 'entries')} older than ${formatAge(deleted.olderThanMs)}`);
  return parts.join('; ');
}

/** Anonymizes entries stamped strictly before `before`; returns how many this call changed. */
export async function anonymizeLogsBefore(before: Date): Promise<number> {
  const cutoff = before.getTime();
  let total = 0;
  let after: { timestamp: number; id: number } | null = null;
  for (;;) {
    // Found with a read (which never blocks writers in WAL mode), walking the timestamp index
    // forward so no row is looked at twice in one run...
    const resume: Prisma.Sql = after
      ? Prisma.sql`AND ("timestamp", "id") > (${after.timestamp}, ${after.id})`
      : Prisma.empty;
    const rows = await db().$queryRaw<
      { id: number | bigint; timestamp: Date | number; action: string; info: string }[]
    >(
      Prisma.sql`
      SELECT "id", "timestamp", "action", "info" FROM "Log"
      WHERE "timestamp" < ${cutoff} ${resume} AND "anonymized" = 0
      ORDER BY "timestamp", "id" LIMIT ${BATCH}`,
    );
    if (rows.length === 0) break;
    // ...then changed in one short write that re-checks the flag, so a concurrent run in
    // another process never changes (or counts) the same entry again. Who acted may also be
    // named inside info (a typed sign-in name, a user name, a token's owner): redacted too.
    const ids = JSON.stringify(rows.map((row) => Number(row.id)));
    const infos = JSON.stringify(redactedInfos(rows));
    total += await db().$executeRaw(Prisma.sql`
      UPDATE "Log" SET "user" = ${ANONYMIZED}, "ipAddress" = ${ANONYMIZED}, "anonymized" = 1,
        "info" = COALESCE((SELECT "value" ->> '$.info' FROM json_each(${infos})
                           WHERE "value" ->> '$.id' = "Log"."id"), "info")
      WHERE "id" IN (SELECT "value" FROM json_each(${ids})) AND "anonymized" = 0`);
    const last = rows[rows.length - 1];
    after = {
      timestamp: last.timestamp instanceof Date ? last.timestamp.getTime() : Number(last.timestamp),
      id: Number(last.id),
    };
    if (rows.length < BATCH) break;
  }
  await redactInfoOfAnonymized(cutoff);
  // The IP a share link was last used from (kept for resuming a download within minutes) is
  // personal data too: forget it on the same schedule. Not counted: it is not a log entry.
  await db().link.updateMany({
    where: { lastUsedAt: { lt: before }, lastUsedIp: { not: null } },
    data: { lastUsedIp: null },
  });
  return total;
}

// Actions whose info names a person: the name typed at a failed sign-in, the account a user
// entry is about, the owner of an API token. Other info says what happened (file, link, key).
const IDENTITY_ACTIONS = [
  'login_failed',
  'user_add',
  'user_delete',
  'user_passwd',
  'logout_all',
  'token_create',
  'token_revoke',
];
const IDENTITY_KEYS = /(^|, )(username|owner): (.*?)(?=, [a-z_]+: |$)/g;

/** `info` with the person in it replaced by `anonymized`; unchanged when it names nobody. */
export function redactInfo(action: string, info: string): string {
  if (!IDENTITY_ACTIONS.includes(action)) return info;
  // A typed name is whatever the visitor typed (commas and colons included): all of it goes.
  if (action === 'login_failed') return info.startsWith('username: ') ? `username: ${ANONYMIZED}` : info;
  return info.replace(IDENTITY_KEYS, (_match, lead: string, key: string) => `${lead}${key}: ${ANONYMIZED}`);
}

function redactedInfos(rows: { id: number | bigint; action: string; info: string }[]) {
  return rows.flatMap((row) => {
    const info = redactInfo(row.action, row.info);
    return info === row.info ? [] : [{ id: Number(row.id), info }];
  });
}

/**
 * Entries anonymized before info was redacted (or by the Flask server) may still name someone
 * in info: redacted on the same schedule. Reads only the few identity actions (by index).
 */
async function redactInfoOfAnonymized(cutoff: number): Promise<void> {
  const actions = JSON.stringify(IDENTITY_ACTIONS);
  let afterId = 0;
  for (;;) {
    const rows = await db().$queryRaw<{ id: number | bigint; action: string; info: string }[]>(Prisma.sql`
      SELECT "id", "action", "info" FROM "Log"
      WHERE "action" IN (SELECT "value" FROM json_each(${actions})) AND "anonymized" = 1
        AND "timestamp" < ${cutoff} AND "id" > ${afterId} AND "info" <> ${`username: ${ANONYMIZED}`}
      ORDER BY "id" LIMIT ${BATCH}`);
    if (rows.length === 0) return;
    const changes = redactedInfos(rows);
    if (changes.length) {
      await db().$executeRaw(Prisma.sql`
        UPDATE "Log" SET "info" = (SELECT "value" ->> '$.info' FROM json_each(${JSON.stringify(changes)})
                                   WHERE "value" ->> '$.id' = "Log"."id")
        WHERE "id" IN (SELECT "value" ->> '$.id' FROM json_each(${JSON.stringify(changes)}))`);
    }
    afterId = Number(rows[rows.length - 1].id);
    if (rows.length < BATCH) return;
  }
}

/** Deletes entries stamped strictly before `before`, in short batches; returns the count. */
export async function deleteLogsBefore(before: Date): Promise<number> {
  const cutoff = before.getTime();
  let total = 0;
  for (;;) {
    const deleted = await db().$executeRaw(Prisma.sql`
      DELETE FROM "Log" WHERE "id" IN (
        SELECT "id" FROM "Log" WHERE "timestamp" < ${cutoff} ORDER BY "timestamp" LIMIT ${BATCH})`);
    total += deleted;
    if (deleted < BATCH) break;
  }
  return total;
}

function anonymizeInfo({ count, before, olderThanMs }: { count: number; before: Date; olderThanMs: number }) {
  return { count, older_than: shortAge(olderThanMs), before: before.toISOString() };
}

/** "30d", "0d", "12h": days when whole (0 included), else the largest whole unit. */
function shortAge(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : formatDuration(ms);
}

function ageInMs(input: AgeInput): number {
  const ms = input.olderThanMs ?? (input.olderThanDays ?? NaN) * DAY_MS;
  if (!Number.isFinite(ms) || ms < 0) throw new AppError('validation_failed', 'The age must be zero or more.');
  return Math.round(ms);
}

/** "30 days", "1 day", "12 hours", "0 days": an age as the CLI prints it. */
export function formatAge(ms: number): string {
  if (ms % DAY_MS === 0) return plural(ms / DAY_MS, 'day', 'days');
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour', 'hours');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute', 'minutes');
  return plural(Math.round(ms / 1000), 'second', 'seconds');
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
