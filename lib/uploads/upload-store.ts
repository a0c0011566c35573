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
import { isDiskFull, noDiskSpace } from '../errors';

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
  return new UploadStore({ directory, expirationPeriodInMilliseconds: env().uploadExpiryMs });
}

/**
 * tus's FileStore, except on a full disk (ENOSPC, EDQUOT): FileStore answers that with a 500
 * carrying the system's message (create) or its generic write error (PATCH), and keeps what it
 * wrote. Here the upload's pair (bytes and info file) is removed, so the disk is free again,
 * and the request fails with our 507 (README "Files, uploads and downloads"). A PATCH runs
 * under tus's lock of the upload, so nobody else is writing the pair while it goes.
 */
type Upload = Parameters<FileStore['create']>[0];

// FileStore's own answer to a failed write (tus's ERRORS.FILE_WRITE_ERROR); not imported from
// @tus/server, which the front server must not load.
const FILE_WRITE_ERROR = { status_code: 500, body: 'Something went wrong receiving the file\n' };

class UploadStore extends FileStore {
  override async create(upload: Upload): Promise<Upload> {
    try {
      return await super.create(upload);
    } catch (error) {
      await this.removePair(upload.id);
      throw isDiskFull(error) ? noDiskSpace() : error;
    }
  }

  /** FileStore's write (append from `offset`), telling a full disk apart from a client that left. */
  override async write(readable: NodeJS.ReadableStream, id: string, offset: number): Promise<number> {
    // Like FileStore's: an id (from the URL, already found by tus) names a file in the directory.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- @tus/server answers thrown { status_code, body }
    if (!id || id !== path.basename(id) || id.startsWith('.')) throw FILE_WRITE_ERROR;
    const out = fs.createWriteStream(path.join(this.directory, id), { flags: 'r+', start: offset });
    let received = 0;
    const outcome = await new Promise<'done' | 'disk full' | 'failed'>((resolve) => {
      readable.on('data', (chunk: Buffer) => (received += chunk.length));
      readable.once('error', () => resolve('failed'));
      out.once('finish', () => resolve('done'));
      out.once('error', (error) => {
        if (!isDiskFull(error)) return resolve('failed');
        // The rest of the body is read and dropped before the 507 goes out: answering first
        // would close the connection under a sender still writing, and the reset that follows
        // can swallow the answer (the front server then saw a 502).
        readable.unpipe(out);
        readable.once('end', () => resolve('disk full'));
        readable.once('close', () => resolve('disk full'));
        readable.resume();
      });
      readable.pipe(out);
    });
    if (outcome === 'disk full') {
      await this.removePair(id);
      throw noDiskSpace();
    }
    if (outcome === 'failed') {
      out.destroy();
      // What arrived is kept: the client resumes from HEAD's offset.
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- @tus/server answers thrown { status_code, body }
      throw FILE_WRITE_ERROR;
    }
    return offset + received;
  }

  private async removePair(id: string): Promise<void> {
    for (const file of [path.join(this.directory, id), path.join(this.directory, `${id}.json`)]) {
      await fsp.rm(file, { force: true }).catch((error) => console.error(`[uploads] could not remove ${file}:`, error));
    }
  }
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
