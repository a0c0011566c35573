// Is the database file this process opened still there, still the same file, and writable?
// SQLite keeps working on an open file that was deleted or replaced (a restore, an `rm`), so
// without this check a write would be acknowledged and then lost with the unlinked file. Every
// write asks first (a stat and an access check, a few microseconds); /api/health reports it.
import fs from 'node:fs';
import path from 'node:path';
import { env } from '../env';
import { databaseFilePath } from '../env/paths';

export type DatabaseProblem = 'missing' | 'replaced' | 'read-only';

const state = globalThis as unknown as { fileserverDbIdentity?: { dev: number; ino: number; path: string } };
let lastReported: DatabaseProblem | null = null;

function databasePath(): string {
  return databaseFilePath(env().databaseUrl);
}

/** Remembers which file this process's connections opened (the first call after opening wins). */
export function noteDatabaseOpened(): void {
  const file = databasePath();
  if (state.fileserverDbIdentity?.path === file) return;
  try {
    const { dev, ino } = fs.statSync(file);
    state.fileserverDbIdentity = { dev, ino, path: file };
  } catch {
    // Not there (yet): the connection's own open reports that.
  }
}

/** What keeps this process from storing changes, or null when nothing does. */
/** Called when the process closes its connections (tests open another database after). */
export function forgetDatabaseIdentity(): void {
  state.fileserverDbIdentity = undefined;
}

export function databaseProblem(): DatabaseProblem | null {
  const file = databasePath();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'missing';
  }
  const opened = state.fileserverDbIdentity?.path === file ? state.fileserverDbIdentity : undefined;
  if (opened && (opened.dev !== stat.dev || opened.ino !== stat.ino)) return 'replaced';
  // SQLite writes the file, its -wal and -shm companions, and creates them in the directory.
  for (const candidate of [file, `${file}-wal`, `${file}-shm`, path.dirname(file)]) {
    try {
      fs.accessSync(candidate, fs.constants.W_OK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return 'read-only';
    }
  }
  return null;
}

const MESSAGES: Record<DatabaseProblem, string> = {
  missing: 'the database file was deleted while the server ran',
  replaced: 'the database file was replaced while the server ran (restart the server to use the new one)',
  'read-only': 'the database cannot be written (file or directory permissions, or a read-only file system)',
};

export function describeDatabaseProblem(problem: DatabaseProblem): string {
  return MESSAGES[problem];
}

/** The code of the error a refused write throws; lib/errors.ts answers it with 503. */
export const DATABASE_UNWRITABLE = 'DATABASE_UNWRITABLE';

/** Throws (a 503 for the request) when a write could not be stored for good; logs each new problem once. */
export function assertDatabaseWritable(): void {
  const problem = databaseProblem();
  if (problem !== lastReported) {
    if (problem) console.error(`[database] refusing writes: ${MESSAGES[problem]} (${databasePath()})`);
    else if (lastReported) console.error('[database] the database can be written again');
    lastReported = problem;
  }
  // A plain error with a code of its own: Prisma wraps what its adapter throws but keeps `code`.
  if (problem) throw Object.assign(new Error(MESSAGES[problem]), { code: DATABASE_UNWRITABLE });
}
