import 'server-only';
import fs from 'node:fs/promises';
import { recordAudit, type Actor } from '../audit';
import { db } from '../db';
import { resolveStoragePath } from '../download/storage-path';
import { env } from '../env';
import { fileNotFound } from './get-file';
import type { FileRecord } from './types';

/**
 * Deletes a file: the row first (so nobody is served a file that is about to vanish), then the
 * bytes. If the bytes cannot be removed the file is gone for users anyway and the start-up
 * consistency check reports the leftover.
 */
export async function deleteFile(id: string, actor: Actor): Promise<FileRecord> {
  let file: FileRecord;
  try {
    file = await db().file.delete({ where: { id } });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2025') throw fileNotFound();
    throw error;
  }
  const filePath = resolveStoragePath(env().storageDir, file.id);
  await fs
    .rm(filePath, { force: true })
    .catch((error) => console.error(`File ${file.id} was deleted but ${filePath} could not be removed:`, error));
  await recordAudit({ action: 'delete', actor, fileId: file.id, info: { file_id: file.id, name: file.name } });
  return file;
}
