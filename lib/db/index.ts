// The one Prisma client of a process: SQLite through the better-sqlite3 driver adapter (no
// native query engine), WAL mode; a write waiting for another process's lock waits off the
// event loop (lib/db/non-blocking-adapter.ts).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client';
import { env } from '../env';
import { closeHotWriter } from './hot-writer';
import { nonBlocking } from './non-blocking-adapter';
import { assertDatabaseWritable, forgetDatabaseIdentity, noteDatabaseOpened } from './database-state';
import { closeReadOnlyDb } from './read-only';

export type Db = PrismaClient;

export function createDb(databaseUrl: string): Db {
  const adapter = new PrismaBetterSqlite3(
    // Never wait inside SQLite (that blocks the event loop): lib/db/non-blocking-adapter.ts
    // retries a statement that found the write lock held, from the event loop.
    { url: databaseUrl, timeout: 0 },
    // The same format the schema engine uses for its own timestamps: integer milliseconds.
    { timestampFormat: 'unixepoch-ms' },
  );
  return new PrismaClient({
    adapter: nonBlocking(adapter, { budgetMs: () => env().dbBusyTimeoutMs, beforeWrite: assertDatabaseWritable }),
  });
}

const globalForDb = globalThis as unknown as { fileserverDb?: Db; fileserverDbReady?: Promise<void> };

/** The process's client, created on first use (one across Next's module reloads). */
export function db(): Db {
  if (!globalForDb.fileserverDb) {
    globalForDb.fileserverDb = createDb(env().databaseUrl);
    noteDatabaseOpened();
  }
  return globalForDb.fileserverDb;
}

/** Puts the database in WAL mode (persistent in the file; cheap to repeat). */
export async function prepareDatabase(client: Db = db()): Promise<void> {
  await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await client.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
}

/** Closes every connection of the process (Prisma's and the hot path's). */
export async function closeDb(): Promise<void> {
  await globalForDb.fileserverDb?.$disconnect();
  globalForDb.fileserverDb = undefined;
  closeReadOnlyDb();
  closeHotWriter();
  forgetDatabaseIdentity();
}
