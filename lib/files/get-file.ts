import 'server-only';
import { db } from '../db';
import { AppError } from '../errors';
import { fileNameSchema } from './file-name';
import type { FileRecord } from './types';

/** The file with this id, or null. */
export async function getFile(id: string): Promise<FileRecord | null> {
  if (!id) return null;
  return db().file.findUnique({ where: { id } });
}

/** The file with this id, or AppError('not_found'). */
export async function requireFile(id: string): Promise<FileRecord> {
  const file = await getFile(id);
  if (!file) throw fileNotFound();
  return file;
}

/**
 * The file with this name, or null. The name is normalized like an uploaded one (trimmed,
 * NFC), so a macOS browser sending decomposed characters finds the file too; a name that could
 * never be stored (say `../etc/passwd`) is simply not found.
 */
export async function getFileByName(name: string): Promise<FileRecord | null> {
  const parsed = fileNameSchema.safeParse(name);
  if (!parsed.success) return null;
  return db().file.findUnique({ where: { name: parsed.data } });
}

export function fileNotFound(): AppError {
  return new AppError('not_found', 'No such file.');
}
