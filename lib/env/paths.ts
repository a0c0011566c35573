// Where data lives by default. Kept free of other imports: prisma.config.ts loads it too.
// (turbopackIgnore: these are runtime paths, not files for Next to trace into the build.)
import path from 'node:path';

type Source = Record<string, string | undefined>;

export function resolveDataDir(source: Source): string {
  return path.resolve(/*turbopackIgnore: true*/ source.DATA_DIR || './data');
}

export function resolveDatabaseUrl(source: Source): string {
  if (source.DATABASE_URL) return source.DATABASE_URL;
  return `file:${path.join(resolveDataDir(source), 'fileserver.db')}`;
}

export function resolveStorageDir(source: Source): string {
  return path.resolve(/*turbopackIgnore: true*/ source.STORAGE_DIR || path.join(resolveDataDir(source), 'files'));
}

/** The file path inside a `file:` SQLite URL. */
export function databaseFilePath(url: string): string {
  const withoutScheme = url.replace(/^file:(\/\/)?/, '');
  return path.resolve(/*turbopackIgnore: true*/ withoutScheme.split('?')[0]);
}
