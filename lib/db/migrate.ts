// Applies pending migrations with Prisma's own `migrate deploy` (the offline engine stand-in is
// chosen by prisma.config.ts when the native engine is absent). Used by the server at start,
// by the CLI on a fresh database, and by tests.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { databaseFilePath } from '../env/paths';

const run = promisify(execFile);

export function projectRoot(): string {
  // dist/*.mjs and lib/db/*.ts both sit two levels below or one level below the root.
  let dir = path.dirname(new URL(import.meta.url).pathname);
  while (!fs.existsSync(path.join(dir, 'prisma', 'schema.prisma'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (prisma/schema.prisma)');
    dir = parent;
  }
  return dir;
}

/** Migration folder names not yet recorded as applied in the database. */
export function pendingMigrations(databaseUrl: string): string[] {
  const root = projectRoot();
  const all = fs
    .readdirSync(path.join(root, 'prisma', 'migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const file = databaseFilePath(databaseUrl);
  if (!fs.existsSync(file)) return all;
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='_prisma_migrations'")
      .get();
    if (!table) return all;
    const applied = new Set(
      (
        sqlite
          .prepare(
            'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
          )
          .all() as { migration_name: string }[]
      ).map((row) => row.migration_name),
    );
    return all.filter((name) => !applied.has(name));
  } finally {
    sqlite.close();
  }
}

/** Runs `prisma migrate deploy` when something is pending. Returns the names it applied. */
export async function applyPendingMigrations(databaseUrl: string): Promise<string[]> {
  const pending = pendingMigrations(databaseUrl);
  if (pending.length === 0) return [];
  fs.mkdirSync(path.dirname(databaseFilePath(databaseUrl)), { recursive: true, mode: 0o700 });
  const root = projectRoot();
  try {
    await run(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`Applying database migrations failed:\n${stderr || stdout}`, { cause: error });
  }
  return pending;
}

/**
 * A fresh install is an empty data dir. A missing database next to stored files is a mistake
 * (a deleted or moved database, a wrong DATABASE_URL): starting afresh would hide every file
 * and make a new admin, so it is refused with what to do.
 */
export function refuseMissingDatabase(databaseUrl: string, storageDir: string): void {
  const file = databaseFilePath(databaseUrl);
  if (fs.existsSync(file)) return;
  let stored: string[];
  try {
    stored = fs.readdirSync(storageDir).filter((name) => !name.startsWith('.'));
  } catch {
    return; // no storage directory yet: a fresh install
  }
  if (stored.length === 0) return;
  throw new Error(
    `the database ${file} is missing, but ${storageDir} holds ${stored.length} stored file(s). ` +
      'Restore the database from a backup or set DATABASE_URL to it; to start afresh on purpose, move the stored files away first.',
  );
}
