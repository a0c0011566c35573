'use server';

import { listDownloadHistory, type DownloadHistory } from '@/lib/audit/download-history';
import { requireAdminAction } from '@/lib/auth/current-admin';
import { toAppError } from '@/lib/errors';
import { fileIdSchema } from '@/lib/files/schemas';

export type DownloadHistoryResult = { ok: true; value: DownloadHistory } | { ok: false; message: string };

/** A file's downloads from the audit log, newest first (for the Files page's history dialog). */
export async function downloadHistoryAction(fileId: string): Promise<DownloadHistoryResult> {
  try {
    await requireAdminAction();
    return { ok: true, value: await listDownloadHistory({ fileId: fileIdSchema.parse(fileId) }) };
  } catch (error) {
    return { ok: false, message: toAppError(error).message };
  }
}
