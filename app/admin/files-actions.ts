'use server';

// Server actions of the files page. Each checks the session first, validates its input with the
// files schemas and answers with a sentence instead of throwing.
import { revalidatePath } from 'next/cache';
import { requireAdminAction } from '@/lib/auth/current-admin';
import { toAppError } from '@/lib/errors';
import { deleteFile, fileIdSchema, setVisibility, visibilitySchema } from '@/lib/files';

export type FileActionResult = { ok: true; message: string } | { ok: false; message: string };

export async function setVisibilityAction(input: { id: string; visibility: string }): Promise<FileActionResult> {
  try {
    const admin = await requireAdminAction();
    const id = fileIdSchema.parse(input.id);
    const visibility = visibilitySchema.parse(input.visibility);
    const file = await setVisibility(id, visibility, admin.actor);
    revalidatePath('/admin');
    return { ok: true, message: `"${file.name}" is now ${file.visibility}.` };
  } catch (error) {
    return failure(error);
  }
}

export async function deleteFileAction(id: string): Promise<FileActionResult> {
  try {
    const admin = await requireAdminAction();
    const file = await deleteFile(fileIdSchema.parse(id), admin.actor);
    revalidatePath('/admin');
    return { ok: true, message: `Deleted "${file.name}".` };
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): FileActionResult {
  const appError = toAppError(error);
  if (appError.code === 'internal') console.error('[files-actions]', error);
  return { ok: false, message: appError.message };
}
