'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { requireAdminAction } from '@/lib/auth/current-admin';
import { toAppError } from '@/lib/errors';
import { revokeLink } from '@/lib/links';

export type LinkActionResult = { ok: true } | { ok: false; message: string };

export async function revokeLinkAction(id: string): Promise<LinkActionResult> {
  try {
    const admin = await requireAdminAction();
    await revokeLink({ id: z.string().min(1).max(200).parse(id), actor: admin.actor });
    revalidatePath('/admin/links');
    return { ok: true };
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code === 'internal') console.error('[links-actions]', error);
    return { ok: false, message: appError.message };
  }
}
