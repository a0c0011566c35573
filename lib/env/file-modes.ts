// Everything the server writes (database, stored files, partial uploads, secrets) is for its
// own user only: files 0600, directories 0700. The umask makes that true for every file any
// library creates (SQLite's -wal/-shm, the tus store, Prisma's migration run, the Next child,
// which inherits it); the explicit modes at our own creation sites say it where it happens.
import fs from 'node:fs';
import path from 'node:path';
import { databaseFilePath } from './paths';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Sets the process umask to 077. Call first thing in a server or CLI process. */
export function restrictNewFiles(): void {
  process.umask(0o077);
}

/**
 * Narrows the modes of what an earlier version (or another umask) created: the data and
 * storage directories to 0700, the SQLite database and its WAL/SHM files to 0600. Files stored
 * before keep their mode; the 0700 storage directory already shuts others out of them.
 */
export function tightenDataModes({
  dataDir,
  storageDir,
  databaseUrl,
}: {
  dataDir: string;
  storageDir: string;
  databaseUrl: string;
}): void {
  for (const dir of new Set([dataDir, storageDir])) chmodIfOurs(dir, PRIVATE_DIR_MODE);
  if (!databaseUrl.startsWith('file:')) return;
  const database = databaseFilePath(databaseUrl);
  for (const file of [database, `${database}-wal`, `${database}-shm`, `${database}-journal`]) {
    chmodIfOurs(file, PRIVATE_FILE_MODE);
  }
  chmodIfOurs(path.join(dataDir, 'secrets'), PRIVATE_DIR_MODE);
}

function chmodIfOurs(target: string, mode: number): void {
  try {
    const stat = fs.statSync(target);
    if ((stat.mode & 0o777) !== mode && stat.uid === process.getuid?.()) fs.chmodSync(target, mode);
  } catch {
    // Missing, or not ours to change: nothing to narrow.
  }
}
