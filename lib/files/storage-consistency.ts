// Start-up and on-demand checks of the storage directory against the File table. They report;
// they never delete a stored file, because a mismatch usually means a restore or a manual copy
// went wrong, and the operator must decide. Only our own temp files are cleaned up.
import 'server-only';
import fs from 'node:fs/promises';
import path from 'node:path';
import { db } from '../db';
import { resolveStoragePath } from '../download/storage-path';
import { env } from '../env';
import { TEMP_DIR_NAME } from './store-file';
import { tempOwnerState } from './temp-owner';

export type StorageConsistency = {
  /** Entries in the storage directory that belong to no file row (names as on disk). */
  orphanFiles: string[];
  /** Ids of file rows whose bytes are missing. */
  missingFiles: string[];
};

/**
 * Compares the storage directory with the File table. Entries starting with a dot (`.tmp`, a
 * resumable-upload folder) are the server's own working space and are skipped.
 */
export async function checkStorageConsistency(): Promise<StorageConsistency> {
  const storageDir = env().storageDir;
  const onDisk = new Set((await readDirIfExists(storageDir)).filter((entry) => !entry.startsWith('.')));
  const rows = await db().file.findMany({ select: { id: true } });

  const expected = new Set<string>();
  const missingFiles: string[] = [];
  for (const { id } of rows) {
    const entry = path.relative(storageDir, resolveStoragePath(storageDir, id));
    expected.add(entry);
    if (!onDisk.has(entry)) missingFiles.push(id);
  }
  const orphanFiles = [...onDisk].filter((entry) => !expected.has(entry)).sort();
  return { orphanFiles, missingFiles: missingFiles.sort() };
}

/** One line per problem, for the server log at start and for the CLI; empty when all is well. */
export function describeStorageConsistency({ orphanFiles, missingFiles }: StorageConsistency): string[] {
  const storageDir = env().storageDir;
  return [
    ...orphanFiles.map((entry) => `${path.join(storageDir, entry)} has no file row (left untouched)`),
    ...missingFiles.map((id) => `file ${id} has a row but no bytes at ${resolveStoragePath(storageDir, id)}`),
  ];
}

/**
 * Removes temp files of uploads that crashed or were killed: at once when the process that
 * wrote one is certainly gone (its name carries its writer, lib/files/temp-owner.ts: a killed
 * server's leftovers go when the next one starts), otherwise once it was not written to for
 * `olderThanMs` (another host sharing the storage, names from an earlier version). A file of a
 * live process is never touched, however long it waits (a staged part of a multi-file upload).
 * Returns the removed names.
 */
export async function cleanupTempFiles(olderThanMs: number): Promise<string[]> {
  const tempDir = path.join(env().storageDir, TEMP_DIR_NAME);
  const cutoff = Date.now() - olderThanMs;
  const removed: string[] = [];
  for (const entry of await readDirIfExists(tempDir)) {
    const file = path.join(tempDir, entry);
    try {
      const owner = tempOwnerState(entry);
      if (owner === 'mine') continue;
      if (owner === 'gone') {
        await fs.rm(file, { recursive: true, force: true });
        removed.push(entry);
        continue;
      }
      const stat = await fs.lstat(file);
      // ctime too: the backup a replace keeps is a hard link with the old file's (old) mtime,
      // but linking it set its ctime to now.
      if (Math.max(stat.mtimeMs, stat.ctimeMs) >= cutoff) continue;
      await fs.rm(file, { recursive: true, force: true });
      removed.push(entry);
    } catch (error) {
      // Gone in the meantime (an upload finished): nothing to do.
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}

async function readDirIfExists(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
}
