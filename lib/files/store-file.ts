// THE upload path. The browser, the API, the CLI and resumable (tus) uploads all end here:
// bytes go to a temp file in <storageDir>/.tmp (same file system, so the move is a rename),
// are fsynced, moved into place under the file's id, and only then does the row appear.
// Any failure leaves neither a file nor a row behind.
import 'server-only';
import crypto from 'node:crypto';
import fsSync, { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mime from 'mime-types';
import { recordAudit, type Actor } from '../audit';
import { db } from '../db';
import { prepared, writeWhenFree } from '../db/hot-writer';
import { resolveStoragePath } from '../download/storage-path';
import { env } from '../env';
import { formatSize } from '../env/units';
import { AppError, isDiskFull, noDiskSpace } from '../errors';
import { newFileGeneration } from './file-generation';
import { chooseFileId } from './file-id';
import { normalizeFileName } from './file-name';
import { tempOwnerTag } from './temp-owner';
import type { FileRecord, Visibility } from './types';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../env/file-modes';

export const TEMP_DIR_NAME = '.tmp';

// Bytes held in memory per upload while the disk catches up (per stage of the pipeline).
const WRITE_BUFFER_BYTES = 1024 * 1024;

// Attempts when another process takes the chosen id between the check and the move.
const ID_ATTEMPTS = 5;

export type StoreFileOptions = {
  name: string;
  /** Defaults to DEFAULT_VISIBILITY for a new file; a replaced file keeps its own unless given. */
  visibility?: Visibility;
  replace?: boolean;
  actor: Actor;
};

export type StoreFileInput = StoreFileOptions & {
  source: Readable | AsyncIterable<Uint8Array | string>;
  /** Size the client announced, when known: lets an oversized upload fail before any byte is read. */
  declaredSize?: number;
};

export type StoreFileFromPathInput = StoreFileOptions & {
  /** A complete file on disk (e.g. assembled by the tus server). Moved on success, removed on failure. */
  tempPath: string;
};

/**
 * Streams `source` to disk and stores it as `name`. Rejects with an AppError for anything a
 * user did. The source is always either read to the end or destroyed.
 */
export async function storeFile({
  source,
  name,
  visibility,
  replace = false,
  actor,
  declaredSize,
}: StoreFileInput): Promise<FileRecord> {
  const staged = await receiveUpload({ source, name, replace, declaredSize });
  return finalizeUpload({ ...staged, visibility, replace, actor });
}

/** An upload whose bytes are complete in a temp file, not yet stored. */
export type StagedUpload = { tempPath: string; size: number; name: string };

/**
 * The first half of `storeFile`, for callers that receive several files in one request and
 * store them only when the whole request arrived: validates the name, checks that it is free
 * (unless replacing) and the declared size, then streams the bytes to a temp file.
 */
export async function receiveUpload({
  source,
  name,
  replace = false,
  declaredSize,
}: Pick<StoreFileInput, 'source' | 'name' | 'replace' | 'declaredSize'>): Promise<StagedUpload> {
  const maxSize = env().maxUploadSize;
  // A stream that fails while we are still checking the name (a missing file, a client that
  // left) must not crash the process; the read below reports its error.
  if (isNodeStream(source)) source.on('error', () => {});
  try {
    const fileName = normalizeFileName(name);
    if (declaredSize !== undefined && declaredSize > maxSize) throw tooLarge(maxSize);
    // Checked before the bytes arrive so a big upload is not wasted; checked again at the end.
    if (!replace) await assertNameFree(fileName);
    const { tempPath, size } = await receiveToTempFile(source, maxSize);
    return { tempPath, size, name: fileName };
  } catch (error) {
    discard(source);
    throw error;
  }
}

/** Drops a staged upload that will not be stored. */
export async function discardUpload(staged: StagedUpload): Promise<void> {
  await removeQuietly(staged.tempPath);
}

/**
 * Stores a file that is already complete on disk (resumable uploads). Same rules and same
 * final step as `storeFile`; the file at `tempPath` is gone afterwards, whatever the outcome.
 */
export async function storeFileFromPath({
  tempPath,
  name,
  visibility,
  replace = false,
  actor,
}: StoreFileFromPathInput): Promise<FileRecord> {
  let ownTemp: string | null = null;
  try {
    const fileName = normalizeFileName(name);
    const stat = await fs.lstat(tempPath);
    if (!stat.isFile()) throw new Error(`${tempPath} is not a regular file`);
    if (stat.size > env().maxUploadSize) throw tooLarge(env().maxUploadSize);
    if (!replace) await assertNameFree(fileName);
    ownTemp = await adoptFile(tempPath);
    return await finalizeUpload({ tempPath: ownTemp, size: stat.size, name: fileName, visibility, replace, actor });
  } catch (error) {
    await removeQuietly(tempPath);
    if (ownTemp) await removeQuietly(ownTemp);
    throw asDiskError(error);
  }
}

/** `<storageDir>/.tmp`, created on demand. Ignored by the consistency check. */
export async function ensureTempDir(): Promise<string> {
  const dir = path.join(env().storageDir, TEMP_DIR_NAME);
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  return dir;
}

async function newTempPath(suffix: string): Promise<string> {
  const dir = await ensureTempDir();
  // The writer's tag first: the start-up sweep removes only files whose writer is gone.
  return path.join(dir, `${tempOwnerTag()}-${Date.now()}-${crypto.randomBytes(8).toString('hex')}.${suffix}`);
}

/**
 * Writes the source to a new temp file, stopping at the first byte over `maxSize`. A write
 * stream under `pipeline` keeps reading while earlier bytes are being written and pauses the
 * source only when about `WRITE_BUFFER_BYTES` are waiting (backpressure), so a fast client
 * goes at disk speed without filling memory. Measured: awaiting each write before reading
 * more halved the upload speed (see README, Performance).
 */
async function receiveToTempFile(
  source: StoreFileInput['source'],
  maxSize: number,
): Promise<{ tempPath: string; size: number }> {
  const tempPath = await newTempPath('upload');
  const limit = new SizeLimit(maxSize);
  // `flush`: fsynced before it is closed, and the pipeline ends only once it is closed.
  const out = createWriteStream(tempPath, {
    flags: 'wx',
    mode: PRIVATE_FILE_MODE,
    flush: true,
    highWaterMark: WRITE_BUFFER_BYTES,
  });
  // The pipeline passes the first error to every stream: the first to report it is where it began.
  let failedFirst: 'disk' | 'source' | undefined;
  out.on('error', () => (failedFirst ??= 'disk'));
  limit.on('error', () => (failedFirst ??= 'source'));
  if (isNodeStream(source)) source.on('error', () => (failedFirst ??= 'source'));
  try {
    await pipeline(source, limit, out);
    return { tempPath, size: limit.size };
  } catch (error) {
    // Closed (and so created, if its open was still under way) before it is removed.
    if (!out.closed) await new Promise<void>((resolve) => out.destroy().once('close', () => resolve()));
    await removeQuietly(tempPath);
    // A failing disk is reported as it is; anything else came from the client.
    throw failedFirst === 'disk' ? asDiskError(error) : asSourceError(error);
  }
}

/** Passes bytes through, counting them; fails at the first byte over `maxSize`. */
class SizeLimit extends Transform {
  size = 0;

  constructor(private readonly maxSize: number) {
    super({ highWaterMark: WRITE_BUFFER_BYTES });
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (this.size > this.maxSize) callback(tooLarge(this.maxSize));
    else callback(null, chunk);
  }
}

/** Moves a finished file into our temp dir (a rename on the same disk, a copy otherwise) and fsyncs it. */
async function adoptFile(sourcePath: string): Promise<string> {
  const target = await newTempPath('upload');
  try {
    await fs.rename(sourcePath, target);
  } catch (error) {
    if (errorCode(error) !== 'EXDEV') throw error;
    await fs.copyFile(sourcePath, target, fs.constants.COPYFILE_EXCL);
    await fs.unlink(sourcePath);
  }
  const handle = await fs.open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return target;
}

export type FinalizeUploadInput = StagedUpload & {
  visibility?: Visibility;
  replace?: boolean;
  actor: Actor;
};

/**
 * The final step shared by every upload: size limit, name check, id, move into place, row,
 * audit. Removes `tempPath` on failure. One upload per name at a time in this process, so two
 * uploads of one name cannot interleave their moves and row writes.
 */
export async function finalizeUpload(given: FinalizeUploadInput): Promise<FileRecord> {
  try {
    const input = { ...given, name: normalizeFileName(given.name) };
    const maxSize = env().maxUploadSize;
    if (input.size > maxSize) throw tooLarge(maxSize);
    return await withNameLock(input.name, async () => {
      const existing = await db().file.findUnique({ where: { name: input.name } });
      if (existing && !input.replace) throw nameTaken(input.name);
      return existing ? await replaceExisting(existing, input) : await createNew(input);
    });
  } catch (error) {
    await removeQuietly(given.tempPath);
    throw asDiskError(error);
  }
}

async function createNew({ tempPath, size, name, visibility, actor }: FinalizeUploadInput): Promise<FileRecord> {
  const storageDir = env().storageDir;
  const uploadedAt = new Date();
  await stampVersion(tempPath, uploadedAt);
  for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
    const { id, collisions } = await chooseFileId(name, (candidate) => isIdTaken(storageDir, candidate));
    const finalPath = resolveStoragePath(storageDir, id);
    // A hard link never replaces an existing file: if another upload got this id first, we
    // notice here instead of overwriting its bytes.
    if (!(await placeWithoutOverwrite(tempPath, finalPath))) continue;
    await fsyncDir(storageDir);

    let record: FileRecord;
    try {
      record = await db().file.create({
        data: {
          id,
          name,
          size: BigInt(size),
          type: contentTypeFor(name),
          visibility: visibility ?? env().defaultVisibility,
          uploadedAt,
          uploadedById: await userIdOf(actor),
          // A new incarnation: links made for an earlier file of this name do not serve it.
          generation: newFileGeneration(),
        },
      });
    } catch (error) {
      await removeQuietly(finalPath);
      if (isUniqueViolation(error) && (await db().file.findUnique({ where: { name }, select: { id: true } }))) {
        throw nameTaken(name);
      }
      throw error;
    }

    if (collisions.length) {
      console.warn(
        `File id collision: "${name}" could not use ${collisions.join(', ')} (held by other files) and got ${id}.`,
      );
    }
    try {
      await recordAudit({
        action: 'upload',
        actor,
        fileId: id,
        info: { file_id: id, name, size, collision_with: collisions.length ? collisions.join(' ') : undefined },
      });
    } catch (error) {
      // Without its audit entry the upload must not count: undo it.
      await db()
        .file.delete({ where: { id } })
        .catch((undoError) => console.error('Could not undo a file row after a failed audit write:', undoError));
      await removeQuietly(finalPath);
      throw error;
    }
    return record;
  }
  throw new Error(`could not place "${name}": its candidate ids kept being taken by concurrent uploads`);
}

/**
 * Replaces the bytes and the row of an existing file as one step for every process: the row
 * update and the rename happen inside one SQLite IMMEDIATE transaction on the hot-path writer,
 * which holds the database's write lock, so two replaces of one name (the front server's
 * multipart and Next's tus) cannot interleave their renames and row writes. A download never
 * needs this lock: it plans from the file it opened (lib/delivery resolve-download.ts), and
 * the old bytes it holds stay readable until it closes them (POSIX keeps an unlinked inode).
 */
async function replaceExisting(existing: FileRecord, input: FinalizeUploadInput): Promise<FileRecord> {
  const { tempPath, size, name, visibility, actor } = input;
  const storageDir = env().storageDir;
  const finalPath = resolveStoragePath(storageDir, existing.id);
  const uploadedAt = new Date();
  const type = contentTypeFor(name);
  await stampVersion(tempPath, uploadedAt);
  // The old bytes stay reachable until the audit entry is written, so a failure can put them back.
  const backupPath = await newTempPath('replaced');
  let hasBackup = false;
  let renamed = false;
  let replaced: boolean;
  try {
    replaced = await writeWhenFree((sqlite) =>
      sqlite
        .transaction(() => {
          const { changes } = prepared(sqlite, REPLACE_ROW).run(
            BigInt(size),
            type,
            uploadedAt.getTime(),
            visibility ?? null,
            existing.id,
          );
          if (changes !== 1) return false; // deleted meanwhile
          hasBackup = linkBackupSync(finalPath, backupPath);
          fsSync.renameSync(tempPath, finalPath);
          renamed = true;
          return true;
        })
        .immediate(),
    );
  } catch (error) {
    // The transaction rolled back: the row is the old one, so the old bytes go back too.
    if (renamed) await restoreBytes(existing.id, finalPath, hasBackup ? backupPath : null);
    else if (hasBackup) await removeQuietly(backupPath);
    throw error;
  }
  if (!replaced) {
    if (hasBackup) await removeQuietly(backupPath);
    return createNew(input);
  }
  await fsyncDir(storageDir);

  try {
    await recordAudit({
      action: 'upload',
      actor,
      fileId: existing.id,
      info: { file_id: existing.id, name, size, replaced: true },
    });
  } catch (error) {
    // Without its audit entry the replace must not count: the previous row and bytes come
    // back, unless another replace already followed this one.
    await writeWhenFree((sqlite) =>
      sqlite
        .transaction(() => {
          const { changes } = prepared(sqlite, UNDO_REPLACE_ROW).run(
            existing.size,
            existing.type,
            existing.uploadedAt.getTime(),
            existing.visibility,
            existing.id,
            uploadedAt.getTime(),
          );
          if (changes !== 1) return;
          if (hasBackup) fsSync.renameSync(backupPath, finalPath);
          else fsSync.rmSync(finalPath, { force: true });
        })
        .immediate(),
    ).catch((undoError) => console.error(`Could not undo the replace of file ${existing.id}:`, undoError));
    if (hasBackup) await removeQuietly(backupPath);
    throw error;
  }
  if (hasBackup) await removeQuietly(backupPath);
  return { ...existing, size: BigInt(size), type, uploadedAt, visibility: visibility ?? existing.visibility };
}

const REPLACE_ROW =
  'UPDATE "File" SET "size" = ?, "type" = ?, "uploadedAt" = ?, "visibility" = COALESCE(?, "visibility") WHERE "id" = ?';
const UNDO_REPLACE_ROW =
  'UPDATE "File" SET "size" = ?, "type" = ?, "uploadedAt" = ?, "visibility" = ? WHERE "id" = ? AND "uploadedAt" = ?';

/** The file's mtime is its version: the row's upload time, to the millisecond (ETag, Last-Modified). */
async function stampVersion(file: string, uploadedAt: Date): Promise<void> {
  await fs.utimes(file, uploadedAt, uploadedAt);
}

async function restoreBytes(id: string, finalPath: string, backupPath: string | null): Promise<void> {
  try {
    if (backupPath) await fs.rename(backupPath, finalPath);
    else await removeQuietly(finalPath);
  } catch (restoreError) {
    console.error(`Could not restore the previous bytes of file ${id}:`, restoreError);
  }
}

/** Hard-links the current file to `backupPath`; false when there is no current file (row without file). */
function linkBackupSync(finalPath: string, backupPath: string): boolean {
  try {
    fsSync.linkSync(finalPath, backupPath);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    if (!LINK_UNSUPPORTED.has(errorCode(error) ?? '')) throw error;
    try {
      fsSync.copyFileSync(finalPath, backupPath, fsSync.constants.COPYFILE_EXCL);
      return true;
    } catch (copyError) {
      if (errorCode(copyError) === 'ENOENT') return false;
      throw copyError;
    }
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Moves `from` to `to` unless `to` exists; false when it does. */
async function placeWithoutOverwrite(from: string, to: string): Promise<boolean> {
  try {
    await fs.link(from, to);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return false;
    if (!LINK_UNSUPPORTED.has(code ?? '')) throw error;
    // File systems without hard links: a check-then-rename, safe within this process.
    if (await exists(to)) return false;
    await fs.rename(from, to);
    return true;
  }
  await removeQuietly(from);
  return true;
}

/** Another file holds `id`: a row (any name but ours, since ours has no row) or a file on disk without one. */
async function isIdTaken(storageDir: string, id: string): Promise<boolean> {
  const row = await db().file.findUnique({ where: { id }, select: { id: true } });
  if (row) return true;
  // An orphan on disk is reported by the consistency check, never overwritten.
  return exists(resolveStoragePath(storageDir, id));
}

async function assertNameFree(name: string): Promise<void> {
  const existing = await db().file.findUnique({ where: { name }, select: { id: true } });
  if (existing) throw nameTaken(name);
}

async function userIdOf(actor: Actor): Promise<string | null> {
  if (!actor.user) return null;
  const user = await db().user.findUnique({ where: { username: actor.user }, select: { id: true } });
  return user?.id ?? null;
}

/** Content type from the name's extension; `application/octet-stream` when unknown. */
export function contentTypeFor(name: string): string {
  return mime.lookup(name) || 'application/octet-stream';
}

const nameLocks = new Map<string, Promise<unknown>>();

async function withNameLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = nameLocks.get(name) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => {});
  nameLocks.set(name, tail);
  try {
    return await run;
  } finally {
    if (nameLocks.get(name) === tail) nameLocks.delete(name);
  }
}

function tooLarge(maxSize: number): AppError {
  return new AppError('payload_too_large', `The file is larger than the upload limit of ${formatSize(maxSize)}.`);
}

function nameTaken(name: string): AppError {
  return new AppError('conflict', `A file named "${name}" already exists. Upload it with replace to overwrite it.`, {
    name,
  });
}

/** An error while reading the upload: the client went away or sent something broken. */
function asSourceError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  return new AppError('bad_request', 'The upload was interrupted before the whole file arrived.');
}

function asDiskError(error: unknown): unknown {
  return isDiskFull(error) ? noDiskSpace() : error;
}

function isNodeStream(source: StoreFileInput['source']): source is Readable {
  return (
    typeof (source as Partial<Readable>).on === 'function' &&
    typeof (source as Partial<Readable>).destroy === 'function'
  );
}

/** Stops a source we gave up on, so a request body is not left half-read and a file handle not left open. */
function discard(source: StoreFileInput['source']): void {
  if (isNodeStream(source)) {
    if (!source.destroyed) source.destroy();
    return;
  }
  const generator = source as Partial<AsyncGenerator>;
  if (typeof generator.return === 'function') void generator.return(undefined).catch(() => {});
}

/** Makes a rename durable: the directory entry itself is flushed. Not possible everywhere (Windows). */
async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort.
  } finally {
    await handle?.close().catch(() => {});
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

export async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true }).catch((error) => console.error(`Could not remove ${file}:`, error));
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function isUniqueViolation(error: unknown): boolean {
  return errorCode(error) === 'P2002';
}
