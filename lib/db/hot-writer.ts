// A better-sqlite3 connection for the request path's small writes (one-time link uses, batched
// download records, rate-limit counts, ended sessions). Prisma's query layer costs far more
// than these statements (see README, Performance). The connection never waits inside SQLite (busy_timeout 0): when another
// connection holds the write lock, the write is retried a moment later from the event loop, so
// a synchronous wait can never block the process, not even on a transaction of its own Prisma
// connection.
import Database from 'better-sqlite3';
import { env } from '../env';
import { databaseFilePath } from '../env/paths';
import { databaseBusy, isBusy, retryWhileBusy } from './busy';
import { assertDatabaseWritable, noteDatabaseOpened } from './database-state';

const globalForWriter = globalThis as unknown as { fileserverWriter?: Database.Database };

/** The hot-path connection (opened on first use). */
export function writerConnection(): Database.Database {
  if (!globalForWriter.fileserverWriter) {
    const connection = new Database(databaseFilePath(env().databaseUrl), { fileMustExist: true, timeout: 0 });
    connection.pragma('busy_timeout = 0');
    // Like the Prisma connection (prepareDatabase): in WAL mode a commit needs no fsync, so a
    // small write (a rate-limit count, a link use) never stalls the event loop on the disk.
    connection.pragma('synchronous = NORMAL');
    globalForWriter.fileserverWriter = connection;
    noteDatabaseOpened();
  }
  return globalForWriter.fileserverWriter;
}

/**
 * Runs `write` (synchronous statements) and retries it while the database is busy, for up to
 * DB_BUSY_TIMEOUT; then throws a 503 error (lib/db/busy.ts databaseBusy).
 */
export async function writeWhenFree<T>(write: (db: Database.Database) => T): Promise<T> {
  assertDatabaseWritable();
  try {
    return await retryWhileBusy(() => write(writerConnection()), env().dbBusyTimeoutMs);
  } catch (error) {
    throw isBusy(error) ? databaseBusy(error) : error;
  }
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A statement prepared once per connection. */
export function prepared(connection: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(connection);
  if (!cache) statements.set(connection, (cache = new Map<string, Database.Statement>()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = connection.prepare(sql)));
  return statement;
}

export function closeHotWriter(): void {
  globalForWriter.fileserverWriter?.close();
  globalForWriter.fileserverWriter = undefined;
}
