// A read-only better-sqlite3 connection for the download hot path. Prisma's query layer costs
// about half a millisecond per query, more than the rest of a small download together (see
// README, Performance); a prepared statement on this connection costs microseconds. WAL mode
// lets it read while other connections write. Reads only: a synchronous write here could wait
// on a transaction of this very process's Prisma connection and block the event loop.
import Database from 'better-sqlite3';
import { env } from '../env';
import { databaseFilePath } from '../env/paths';

const globalForReader = globalThis as unknown as { fileserverReader?: Database.Database };

export function readOnlyDb(): Database.Database {
  if (!globalForReader.fileserverReader) {
    const connection = new Database(databaseFilePath(env().databaseUrl), { readonly: true, fileMustExist: true });
    connection.pragma('busy_timeout = 2000');
    globalForReader.fileserverReader = connection;
  }
  return globalForReader.fileserverReader;
}

export function closeReadOnlyDb(): void {
  globalForReader.fileserverReader?.close();
  globalForReader.fileserverReader = undefined;
}
