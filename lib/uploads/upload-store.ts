// Where resumable uploads live while they are incomplete: `<storageDir>/.tus`, one data file
// and one `<id>.json` info file per upload. Same file system as the stored files, so the
// finished upload is moved into place by a rename. The directory starts with a dot, so the
// storage consistency check leaves it alone.
import 'server-only';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { env } from '../env';
import { PRIVATE_DIR_MODE } from '../env/file-modes';

export const UPLOAD_DIR_NAME = '.tus';

export function uploadDirectory(): string {
  return path.join(env().storageDir, UPLOAD_DIR_NAME);
}

/**
 * A FileStore on the upload directory. Partial uploads expire UPLOAD_EXPIRY after they were
 * started (tus's expiration extension: HEAD and PATCH answer 410 afterwards, and
 * `deleteExpired` removes them).
 */
export function createUploadStore(): FileStore {
  const directory = uploadDirectory();
  // FileStore creates its directory asynchronously and throws from a callback on failure;
  // creating it first turns a bad STORAGE_DIR into an ordinary error here.
  fs.mkdirSync(directory, { recursive: true, mode: PRIVATE_DIR_MODE });
  return new FileStore({ directory, expirationPeriodInMilliseconds: env().uploadExpiryMs });
}

/**
 * Removes partial uploads older than UPLOAD_EXPIRY: those tus knows (`deleteExpired`), and
 * leftovers it does not list because one half of the pair is missing (a crash between moving
 * the finished bytes away and removing the info file). Returns how many entries went.
 */
export async function cleanUpExpiredUploads(store: FileStore = createUploadStore()): Promise<number> {
  let removed = 0;
  try {
    removed += await store.deleteExpired();
  } catch (error) {
    // Another process (the front server's scheduler and Next's timer) may have removed an
    // upload in the same moment; the sweep below and the next run catch anything left.
    console.warn(`[uploads] expired-upload cleanup: ${error instanceof Error ? error.message : String(error)}`);
  }
  removed += await removeOrphans(store.directory, env().uploadExpiryMs);
  return removed;
}

async function removeOrphans(directory: string, olderThanMs: number): Promise<number> {
  let entries: string[];
  try {
    entries = await fsp.readdir(directory);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 0;
    throw error;
  }
  const present = new Set(entries);
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const entry of entries) {
    const partner = entry.endsWith('.json') ? entry.slice(0, -'.json'.length) : `${entry}.json`;
    if (present.has(partner)) continue;
    const file = path.join(directory, entry);
    try {
      const stat = await fsp.lstat(file);
      if (stat.mtimeMs >= cutoff) continue;
      await fsp.rm(file, { recursive: true, force: true });
      removed += 1;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}
