import 'server-only';
import { recordAudit, type Actor } from '../audit';
import { db } from '../db';
import { fileNotFound } from './get-file';
import type { FileRecord, Visibility } from './types';

/** Makes a file public or private. Setting the visibility it already has changes and logs nothing. */
export async function setVisibility(id: string, visibility: Visibility, actor: Actor): Promise<FileRecord> {
  const current = await db().file.findUnique({ where: { id } });
  if (!current) throw fileNotFound();
  if (current.visibility === visibility) return current;
  let file: FileRecord;
  try {
    file = await db().file.update({ where: { id }, data: { visibility } });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2025') throw fileNotFound();
    throw error;
  }
  await recordAudit({ action: 'visibility', actor, fileId: id, info: { file_id: id, name: file.name, visibility } });
  return file;
}
