// Every command that touches the database calls openDatabase() first: it validates the
// configuration and applies pending migrations, so the CLI works on a fresh data dir.
// Commands that do not need the database (e.g. --help) never pay for it.
import { db, prepareDatabase, type Db } from '../db';
import { applyPendingMigrations, refuseMissingDatabase } from '../db/migrate';
import { env } from '../env';

let ready: Promise<void> | undefined;

export async function openDatabase(): Promise<Db> {
  ready ??= Promise.resolve()
    .then(() => refuseMissingDatabase(env().databaseUrl, env().storageDir))
    .then(() => applyPendingMigrations(env().databaseUrl))
    .then(() => prepareDatabase());
  await ready;
  return db();
}
